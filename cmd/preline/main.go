// Command preline runs a program with qmail-local's From_, Return-Path and Delivered-To lines put before the message (preline(1)).
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	p := mailtools.Default()
	os.Exit(mailtools.Preline(p))
}
