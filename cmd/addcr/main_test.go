package main

import (
	"testing"

	"github.com/quail-mta/quail/internal/filtertest"
)

// TestAsOriginal feeds the same bytes to quail's and Debian's addcr.
func TestAsOriginal(t *testing.T) { filtertest.AsOriginal(t, "addcr") }

// TestWriteFailure: a full disk ends addcr with exit 111 and no message.
func TestWriteFailure(t *testing.T) { filtertest.WriteFailure(t, "addcr") }
