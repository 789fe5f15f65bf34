package main

import (
	"testing"

	"github.com/quail-mta/quail/internal/filtertest"
)

// TestAsOriginal feeds the same bytes to quail's and Debian's delcr.
func TestAsOriginal(t *testing.T) { filtertest.AsOriginal(t, "delcr") }

// TestWriteFailure: a full disk ends delcr with exit 111 and no message.
func TestWriteFailure(t *testing.T) { filtertest.WriteFailure(t, "delcr") }
