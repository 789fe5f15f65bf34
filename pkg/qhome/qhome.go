// Package qhome says where the qmail home is: the directory holding
// control/, queue/, users/, alias/ and bin/ (/var/qmail by default).
//
// The default is fixed at build time:
//
//	go build -ldflags "-X github.com/quail-mta/quail/pkg/qhome.Default=/var/qmail"
//
// and the environment variable QMAILHOME overrides it for tests and
// "make run", except in a process running setuid or setgid, which must not
// let its caller choose the files it trusts.
package qhome

import (
	"os"
	"path/filepath"
)

// Default is the home compiled in; the Makefile sets it from QMAILHOME.
var Default = "/var/qmail"

// EnvVar is the variable that overrides Default in an unprivileged process.
const EnvVar = "QMAILHOME"

// Dir returns the qmail home this process should use.
func Dir() string {
	if Privileged() {
		return Default
	}
	if dir := os.Getenv(EnvVar); dir != "" {
		return dir
	}
	return Default
}

// Path joins elements onto the home: Path("control", "me").
func Path(elem ...string) string {
	return filepath.Join(append([]string{Dir()}, elem...)...)
}

// Privileged reports whether the process runs setuid or setgid, that is with
// an effective id other than its real one. Such a process must ignore its
// environment wherever the environment could choose what it trusts.
func Privileged() bool {
	return os.Geteuid() != os.Getuid() || os.Getegid() != os.Getgid()
}
