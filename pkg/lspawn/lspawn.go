// Package lspawn is qmail-lspawn's half of a local delivery: it finds
// who owns a recipient's address (users/cdb, else qmail-getpw), starts
// qmail-local as that user with qmail's argument list, and turns
// qmail-local's exit code and output into the report qmail-send reads.
// The shared command loop is pkg/spawn.
package lspawn

import (
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"syscall"

	"github.com/quail-mta/quail/pkg/djberr"
	"github.com/quail-mta/quail/pkg/spawn"
	"github.com/quail-mta/quail/pkg/users"
)

// Config says how deliveries start. Paths are relative to the qmail
// home, which must be the working directory.
type Config struct {
	AliasEmpty string // qmail-lspawn's argument: the default delivery
	// Root makes every qmail-local run as its recipient's uid and gid
	// (and qmail-getpw as GetpwUID:GetpwGID). Without it, everything
	// runs as the caller.
	Root               bool
	GetpwUID, GetpwGID uint32
}

// maxGetpwOutput bounds what is read from qmail-getpw.
const maxGetpwOutput = 64 << 10

// Start is spawn.Config.Start for local deliveries.
func (c *Config) Start(d spawn.Delivery, out *os.File) (*exec.Cmd, error) {
	local, domain := d.Recipient[:d.At], d.Recipient[d.At+1:]
	if local == "" {
		return nil, spawn.Outcome("K") // the trash address <>
	}
	raw, code := c.lookup(local)
	if code != 0 {
		return nil, spawn.Outcome(ReportText(code, nil))
	}
	entry, err := users.ParseEntry(raw)
	if err != nil {
		return nil, spawn.Outcome(ReportText(users.ExitUsage, nil))
	}
	cmd, code := c.Command(entry, local, domain, d.Sender)
	if code != 0 {
		return nil, spawn.Outcome(ReportText(code, nil))
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = d.Message, out, out
	if err := cmd.Start(); err != nil {
		return nil, spawn.Outcome(ReportText(startFailure(err, users.ExitExecSoft, users.ExitExecHard), nil))
	}
	return cmd, nil
}

// Command is the qmail-local run for one recipient, or the exit code
// qmail-lspawn's child would have died with: root is never a recipient.
func (c *Config) Command(e users.Entry, local, domain, sender string) (*exec.Cmd, int) {
	cmd := exec.Command("bin/qmail-local", "--", e.User, e.Home, local, e.Dash, e.Ext, domain, sender, c.AliasEmpty)
	if !c.Root {
		if os.Getuid() == 0 {
			return nil, users.ExitRoot
		}
		return cmd, 0
	}
	if e.UID > math.MaxUint32 || e.GID > math.MaxUint32 {
		return nil, users.ExitUsage
	}
	if e.UID == 0 {
		return nil, users.ExitRoot
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(e.UID), Gid: uint32(e.GID), Groups: []uint32{uint32(e.GID)},
	}}
	return cmd, 0
}

// startFailure maps a failed start: a refused change of identity is
// qmail-lspawn's internal error, otherwise soft or hard by errno.
func startFailure(err error, soft, hard int) int {
	switch {
	case errors.Is(err, syscall.EPERM):
		return users.ExitUsage
	case djberr.Temporary(err):
		return soft
	default:
		return hard
	}
}

// lookup returns the owner of local from users/cdb or qmail-getpw, or a
// qmail-lspawn exit code.
func (c *Config) lookup(local string) ([]byte, int) {
	raw, found, err := users.LookupFile("users/cdb", local)
	switch {
	case err != nil:
		return nil, users.ExitCDB
	case found:
		return raw, 0
	}
	return c.getpw(local)
}

// getpw runs bin/qmail-getpw, as qmailp:nofiles when root, and passes
// its failure codes on.
func (c *Config) getpw(local string) ([]byte, int) {
	cmd := exec.Command("bin/qmail-getpw", local)
	if c.Root {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: c.GetpwUID, Gid: c.GetpwGID, Groups: []uint32{c.GetpwGID},
		}}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, users.ExitSys
	}
	if err := cmd.Start(); err != nil {
		if errors.Is(err, syscall.EPERM) {
			return nil, users.ExitUsage
		}
		return nil, users.ExitExecPW
	}
	out, readErr := io.ReadAll(io.LimitReader(stdout, maxGetpwOutput))
	io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return nil, users.ExitSys
		}
		return nil, exit.ExitCode()
	case err != nil || readErr != nil:
		return nil, users.ExitSys
	}
	return out, 0
}

// Report is spawn.Config.Report: qmail-lspawn's report() for a
// qmail-local that has finished.
func Report(state *os.ProcessState, output []byte) string {
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "Zqmail-local crashed.\n"
	}
	return ReportText(state.ExitCode(), output)
}

// qlxTexts are the reports for qmail-lspawn's own exit codes.
var qlxTexts = map[int]string{
	users.ExitCDB:      "ZTrouble reading users/cdb in qmail-lspawn.\n",
	users.ExitNoMem:    "ZOut of memory in qmail-lspawn.\n",
	users.ExitSys:      "ZTemporary failure in qmail-lspawn.\n",
	users.ExitNoAlias:  "ZUnable to find alias user!\n",
	users.ExitRoot:     "ZNot allowed to perform deliveries as root.\n",
	users.ExitUsage:    "ZInternal qmail-lspawn bug.\n",
	users.ExitNFS:      "ZNFS failure in qmail-local.\n",
	users.ExitExecHard: "DUnable to run qmail-local.\n",
	users.ExitExecSoft: "ZUnable to run qmail-local.\n",
	users.ExitExecPW:   "ZUnable to run qmail-getpw.\n",
}

// ReportText is the report for an exit code and the output before it:
// 0 delivered, 111/71/74/75 deferred, qmail-lspawn's own codes their
// fixed texts, anything else failed.
func ReportText(code int, output []byte) string {
	if text, ok := qlxTexts[code]; ok {
		return text
	}
	letter := "D"
	switch code {
	case 0:
		letter = "K"
	case 111, 71, 74, 75:
		letter = "Z"
	}
	return letter + string(spawn.UpToNUL(output))
}
