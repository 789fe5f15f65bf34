// Command datemail is sendmail with a Date field in local time: qmail's datemail script, "predate sendmail".
package main

import (
	"os"

	"github.com/quail-mta/quail/pkg/mailtools"
	"github.com/quail-mta/quail/pkg/qhome"
)

func main() {
	p := mailtools.Default()
	p.Home = qhome.Dir()
	os.Exit(mailtools.Datemail(p))
}
