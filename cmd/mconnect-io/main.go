// mconnect-io is mconnect's go-between, run by tcpclient: it sends its
// input to the server (descriptor 7) with a CR put before each LF, and
// copies what the server says (descriptor 6) to its output. When the
// server closes the connection it stops and exits 0, as ucspi-tcp's
// mconnect-io does.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/quail-mta/quail/pkg/crlf"
	"github.com/quail-mta/quail/pkg/tcpclient"
)

func main() {
	signal.Ignore(syscall.SIGPIPE)
	server := os.NewFile(tcpclient.WriteFD, "server")
	go crlf.Copy(server, os.Stdin, crlf.AddCR{}, 512)
	crlf.Copy(os.Stdout, os.NewFile(tcpclient.ReadFD, "server"), crlf.Plain{}, 512)
	os.Exit(0)
}
