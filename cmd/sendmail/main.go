// Command sendmail is qmail's sendmail wrapper: it runs qmail-inject (or
// qmail-qread for -bp and as mailq, qmail-smtpd for -bs) from the qmail
// home.
package main

import (
	"errors"
	"os"
	"syscall"

	"github.com/quail-mta/quail/pkg/qhome"
	"github.com/quail-mta/quail/pkg/sendmail"
)

func main() {
	if err := os.Chdir(qhome.Dir()); err != nil {
		fatal(111, "sendmail: fatal: unable to switch to qmail home directory\n")
	}
	x, err := sendmail.Plan(os.Args, os.Environ(), os.Stderr)
	if err != nil {
		var f *sendmail.Fatal
		if errors.As(err, &f) {
			fatal(f.Code, f.Text)
		}
		fatal(111, "sendmail: fatal: "+err.Error()+"\n")
	}
	_ = syscall.Exec(x.Path, x.Argv, x.Env) // returns only on failure
	fatal(111, "sendmail: fatal: unable to run "+x.What+"\n")
}

func fatal(code int, text string) {
	os.Stderr.WriteString(text)
	os.Exit(code)
}
