// Command maildirmake creates a Maildir: maildirmake name makes name and
// its tmp, new and cur, each mode 700, as qmail's maildirmake does.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "maildirmake: usage: maildirmake name")
		os.Exit(100)
	}
	syscall.Umask(0o077)
	dir := os.Args[1]
	for _, sub := range []string{"", "tmp", "new", "cur"} {
		path := filepath.Join(dir, sub)
		if err := os.Mkdir(path, 0o700); err != nil {
			fmt.Fprintf(os.Stderr, "maildirmake: fatal: unable to mkdir %s: %s\n", path, djberr.Text(err))
			os.Exit(111)
		}
	}
}
