// Package spawn is the half that qmail-lspawn and qmail-rspawn share
// (qmail's spawn.c): it tells qmail-send how many deliveries may run at
// once, reads delivery commands from it, starts one process per delivery
// with the message on its input, collects the process's output and
// answers with one report per delivery.
//
// The protocol on the command side is binary: a slot byte, then the
// message's name under queue/mess, the sender and the recipient, each
// ending in NUL. The report is the slot byte, a letter (K delivered,
// Z deferred, D failed), text, and a NUL.
package spawn

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// MaxSlots is qmail's conf-spawn default: deliveries in flight at once.
const MaxSlots = 120

// Delivery is one command from qmail-send.
type Delivery struct {
	Message   *os.File // the message, open for reading at offset 0
	Sender    string
	Recipient string
	At        int // index of the recipient's last '@'
}

// Outcome is a report decided without running a process (a failed user
// lookup, a recipient needing no delivery). Start returns it as an error.
type Outcome string

func (o Outcome) Error() string { return string(o) }

// Config says how to run each delivery.
type Config struct {
	Slots       int    // deliveries at once; MaxSlots if 0
	TruncReport int    // longest report kept, as qmail's truncreport
	MessDir     string // the queue's mess directory
	QueueUID    int    // owner every message must have; -1 accepts any
	// Start runs one delivery with its output (standard output and
	// error) on out, and returns the started command, or an Outcome.
	Start func(d Delivery, out *os.File) (*exec.Cmd, error)
	// Report turns a finished command's status and output into the
	// report's letter and text.
	Report func(state *os.ProcessState, output []byte) string
	// InProcess, when set, replaces Start and Report: it runs the
	// delivery in this process and returns the report's letter and text
	// (qmail-rspawn delivering itself to reuse SMTP connections).
	InProcess func(d Delivery) string
}

type server struct {
	cfg     Config
	out     *bufio.Writer
	outMu   sync.Mutex
	used    []bool
	usedMu  sync.Mutex
	running sync.WaitGroup
}

// Run serves commands until cmds ends and every delivery has reported.
func Run(cfg Config, cmds io.Reader, reports io.Writer) error {
	if cfg.Slots <= 0 || cfg.Slots > 255 {
		cfg.Slots = MaxSlots
	}
	s := &server{cfg: cfg, out: bufio.NewWriter(reports), used: make([]bool, cfg.Slots)}
	s.outMu.Lock()
	s.out.WriteByte(byte(cfg.Slots))
	err := s.out.Flush()
	s.outMu.Unlock()
	if err != nil {
		return err
	}
	err = s.readCommands(bufio.NewReader(cmds))
	s.running.Wait()
	return err
}

// readCommands reads slot, message, sender and recipient per command.
func (s *server) readCommands(r *bufio.Reader) error {
	for {
		slot, err := r.ReadByte()
		if err != nil {
			return eofIsEnd(err)
		}
		var fields [3]string
		for i := range fields {
			field, err := r.ReadString(0)
			if err != nil {
				return eofIsEnd(err)
			}
			fields[i] = strings.TrimSuffix(field, "\x00")
		}
		s.command(int(slot), fields[0], fields[1], fields[2])
	}
}

func eofIsEnd(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

func (s *server) command(slot int, messID, sender, recip string) {
	if slot >= s.cfg.Slots {
		s.report(slot, "ZInternal error: delnum too big. (#4.3.5)\n")
		return
	}
	if !s.claim(slot) {
		s.report(slot, "ZInternal error: delnum in use. (#4.3.5)\n")
		return
	}
	if text := checkMessID(messID); text != "" {
		s.finish(slot, text)
		return
	}
	at := strings.LastIndexByte(recip, '@')
	if at < 0 {
		s.finish(slot, "DSorry, address must include host name. (#5.1.3)\n")
		return
	}
	msg, text := s.openMessage(messID)
	if msg == nil {
		s.finish(slot, text)
		return
	}
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer msg.Close()
		s.finish(slot, s.deliver(Delivery{Message: msg, Sender: sender, Recipient: recip, At: at}))
	}()
}

func (s *server) claim(slot int) bool {
	s.usedMu.Lock()
	defer s.usedMu.Unlock()
	if s.used[slot] {
		return false
	}
	s.used[slot] = true
	return true
}

// checkMessID accepts only qmail's "NN/NNNN" message names.
func checkMessID(id string) string {
	if id == "" {
		return "DInternal error: messid too short. (#5.3.5)\n"
	}
	for i := 0; i < len(id); i++ {
		if (id[i] < '0' || id[i] > '9') && (i == 0 || id[i] != '/') {
			return "DInternal error: messid has nonnumerics. (#5.3.5)\n"
		}
	}
	if len(id) > 100 {
		return "DInternal error: messid too long. (#5.3.5)\n"
	}
	return ""
}

// openMessage opens the message and checks it is a regular file owned
// by the queue's user: anything else means the queue was tampered with.
func (s *server) openMessage(messID string) (*os.File, string) {
	f, err := os.Open(filepath.Join(s.cfg.MessDir, messID))
	if err != nil {
		return nil, "Zqmail-spawn unable to open message. (#4.3.0)\n"
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, "Zqmail-spawn unable to fstat message. (#4.3.0)\n"
	case !fi.Mode().IsRegular():
		f.Close()
		return nil, "ZSorry, message has wrong type. (#4.3.5)\n"
	case s.cfg.QueueUID >= 0 && int(fi.Sys().(*syscall.Stat_t).Uid) != s.cfg.QueueUID:
		f.Close()
		return nil, "ZSorry, message has wrong owner. (#4.3.5)\n"
	}
	return f, ""
}

// deliver runs one delivery and returns its report text.
func (s *server) deliver(d Delivery) string {
	if s.cfg.InProcess != nil {
		return s.cfg.InProcess(d)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return "Zqmail-spawn unable to create pipe. (#4.3.0)\n"
	}
	cmd, err := s.cfg.Start(d, pw)
	pw.Close()
	if err != nil {
		pr.Close()
		var outcome Outcome
		if errors.As(err, &outcome) {
			return string(outcome)
		}
		return "Zqmail-spawn unable to fork. (#4.3.0)\n"
	}
	output := s.readOutput(pr)
	pr.Close()
	cmd.Wait()
	return s.cfg.Report(cmd.ProcessState, output)
}

// readOutput keeps at most TruncReport bytes of the output, marking a
// cut as qmail does, and drains the rest so the process never blocks.
func (s *server) readOutput(r io.Reader) []byte {
	const cut = "\nError report too long, sorry.\n"
	limit := s.cfg.TruncReport
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if limit > 100 && len(out) > limit {
			out = append(out[:limit-len(cut)-3], cut...)
		}
		if err != nil {
			return out
		}
	}
}

func (s *server) finish(slot int, text string) {
	s.usedMu.Lock()
	s.used[slot] = false
	s.usedMu.Unlock()
	s.report(slot, text)
}

// report writes one report; a write error means qmail-send is gone,
// and like spawn.c the deliveries still finish.
func (s *server) report(slot int, text string) {
	s.outMu.Lock()
	defer s.outMu.Unlock()
	s.out.WriteByte(byte(slot))
	s.out.WriteString(text)
	s.out.WriteByte(0)
	s.out.Flush()
}

// ReadReport reads one report, as qmail-send does: the slot (a byte that
// may itself be a NUL) and the text up to the NUL ending it, without the
// NUL. A report cut short is io.ErrUnexpectedEOF.
func ReadReport(r *bufio.Reader) (slot int, text []byte, err error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	text, err = r.ReadBytes(0)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return 0, nil, err
	}
	return int(b), text[:len(text)-1], nil
}

// UpToNUL is the output before its first NUL: reports cannot carry one.
func UpToNUL(output []byte) []byte {
	if i := strings.IndexByte(string(output), 0); i >= 0 {
		return output[:i]
	}
	return output
}
