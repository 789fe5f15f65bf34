// Command qsmhook runs a program written for sendmail's prog mailer from
// a .qmail file, with %g, %h and %u in its arguments filled in.
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
)

func main() {
	os.Exit(mailtools.Qsmhook(mailtools.Default()))
}
