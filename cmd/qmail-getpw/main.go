// Command qmail-getpw tells qmail-lspawn who owns a local part that
// users/cdb does not list: it prints "user\0uid\0gid\0home\0dash\0ext\0"
// from the passwd database, or exits with one of qmail-lspawn's codes.
package main

import (
	"errors"
	"os"

	"github.com/quail-mta/quail/pkg/users"
)

func main() {
	if len(os.Args) < 2 {
		os.Exit(100)
	}
	entry, err := users.GetPw(os.Args[1], users.SystemPasswd, users.StatOwner)
	var gerr *users.GetpwError
	if errors.As(err, &gerr) {
		os.Exit(gerr.Code)
	}
	if _, err := os.Stdout.Write(entry.Format()); err != nil {
		os.Exit(111)
	}
}
