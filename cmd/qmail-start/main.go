// Command qmail-start starts qmail's delivery processes:
// qmail-start [defaultdelivery [logger arg ...]]. See package start.
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/start"
)

func main() {
	delivery := start.DefaultDelivery
	var logger []string
	if len(os.Args) > 1 {
		delivery = os.Args[1]
		logger = os.Args[2:]
	}
	if err := start.Run(delivery, logger); err != nil {
		os.Exit(111)
	}
}
