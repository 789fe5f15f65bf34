package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/quail-mta/quail/internal/dnstest"
	"github.com/quail-mta/quail/internal/testenv"
)

// dialogue is what the client says in every case.
const dialogue = "HELO client.test\r\nEHLO client.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nRSET\r\nNOOP\r\nVRFY x\r\nQUIT\r\nHELO again\r\n"

// smtpd stands for the real SMTP server: it shows that it ran and what
// of the environment concerns it.
var smtpd = []string{"sh", "-c", `echo "smtpd ran"; env | grep '^RBLSMTPD' | sort`}

type result struct {
	stdout, stderr string
	exit           int
}

func run(t *testing.T, bin, dns string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, append(args, smtpd...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "DNSCACHEIP=" + dns}, env...)
	cmd.Stdin = strings.NewReader(dialogue)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: pids.ReplaceAllString(stderr.String(), "pid PID:")}
	if exit, ok := err.(*exec.ExitError); ok {
		r.exit = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return r
}

var pids = regexp.MustCompile(`pid \d+:`)

// TestAsOriginal runs quail's and Debian's rblsmtpd side by side with the
// same block lists served by a test DNS server.
func TestAsOriginal(t *testing.T) {
	ref := testenv.RefBin(t, "ucspi-tcp-ipv6", "rblsmtpd")
	bin := testenv.Bin(t, "rblsmtpd")
	dns := dnstest.Start(t,
		`2.0.0.127.bl.test. TXT "Listed: see http://bl.test/?127.0.0.2"`,
		`2.0.0.127.bl2.test. TXT "second list"`,
		`2.0.0.127.allow.test. A 127.0.0.2`,
		`3.0.0.127.bl.test. TXT "\233 not ascii \009"`,
	)
	dns.ServFail("2.0.0.127.broken.test")
	dnsIP := dns.OnPort53(t)
	listed := []string{"TCPREMOTEIP=127.0.0.2"}
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want string // what quail's stdout must contain
	}{
		{"listed", listed, []string{"-r", "bl.test"}, "451 Listed"},
		{"listed, -b", listed, []string{"-b", "-r", "bl.test"}, "553 Listed"},
		{"listed, -b -B", listed, []string{"-b", "-B", "-r", "bl.test"}, "451 Listed"},
		{"two lists", listed, []string{"-r", "bl2.test", "-r", "bl.test"}, "451 second list"},
		{"unprintable reason", []string{"TCPREMOTEIP=127.0.0.3"}, []string{"-r", "bl.test"}, "451 ? not ascii ?"},
		{"not listed", []string{"TCPREMOTEIP=127.0.0.9"}, []string{"-r", "bl.test"}, "smtpd ran"},
		{"no lists", listed, nil, "smtpd ran"},
		{"no address", nil, []string{"-r", "bl.test"}, "smtpd ran"},
		{"anti-RBL", listed, []string{"-a", "allow.test", "-r", "bl.test"}, "smtpd ran"},
		{"servfail, fail open", listed, []string{"-r", "broken.test"}, "smtpd ran"},
		{"servfail, -c", listed, []string{"-c", "-r", "broken.test"}, "451 temporary RBL lookup error"},
		{"servfail, -c -C", listed, []string{"-c", "-C", "-r", "broken.test"}, "smtpd ran"},
		{"servfail, then listed with -b", listed, []string{"-b", "-r", "broken.test", "-r", "bl.test"}, "451 Listed"},
		{"RBLSMTPD empty", append([]string{"RBLSMTPD="}, listed...), []string{"-r", "bl.test"}, "smtpd ran"},
		{"RBLSMTPD text", []string{"RBLSMTPD=go away", "TCPREMOTEIP=10.0.0.1"}, nil, "451 go away"},
		{"RBLSMTPD -text", []string{"RBLSMTPD=-go away for good", "TCPREMOTEIP=10.0.0.1"}, nil, "553 go away for good"},
		{"-t 0", listed, []string{"-t0", "-r", "bl.test"}, "451 Listed"},
		{"bad option", listed, []string{"-x"}, ""},
		{"option without its argument", listed, []string{"-r"}, ""},
		{"no program", listed, []string{"-r", "bl.test", "--"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) { compare(t, ref, bin, dnsIP, c.name, c.env, c.args, c.want) })
	}
}

func compare(t *testing.T, ref, bin, dnsIP, name string, env, args []string, wantText string) {
	{
		c := struct {
			name string
			env  []string
			want string
		}{name, env, wantText}
		if c.name == "no program" {
			cmd := exec.Command(bin, args...)
			out, err := cmd.CombinedOutput()
			wantOut, wantErr := exec.Command(ref, args...).CombinedOutput()
			if string(out) != string(wantOut) || err.Error() != wantErr.Error() {
				t.Errorf("%s: quail %v %q, C %v %q", c.name, err, out, wantErr, wantOut)
			}
			return
		}
		if slowInC[c.name] {
			got := run(t, bin, dnsIP, c.env, args...)
			if !strings.Contains(got.stdout, c.want) || got.exit != 0 {
				t.Errorf("%s: %+v lacks %q", c.name, got, c.want)
			}
			return
		}
		want := run(t, ref, dnsIP, c.env, args...)
		got := run(t, bin, dnsIP, c.env, args...)
		if got != want {
			t.Errorf("%s:\nquail %+v\nC     %+v", c.name, got, want)
		}
		if !strings.Contains(got.stdout, c.want) {
			t.Errorf("%s: stdout %q lacks %q", c.name, got.stdout, c.want)
		}
	}
}

// slowInC are the cases the C program takes 11 s over (djbdns retries a
// server that fails); one such case is still compared.
var slowInC = map[string]bool{
	"servfail, fail open":           true,
	"servfail, -c -C":               true,
	"servfail, then listed with -b": true,
}

// TestIPv6NibbleName: quail looks an IPv6 client up in nibble form (the
// Debian build would ask for "2001:db8::5.bl.test"), and an IPv4-mapped
// client as IPv4.
func TestIPv6NibbleName(t *testing.T) {
	bin := testenv.Bin(t, "rblsmtpd")
	dns := dnstest.Start(t,
		`5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test. TXT "v6 listed"`,
		`4.3.2.1.bl.test. TXT "mapped listed"`,
	)
	for ip, want := range map[string]string{"2001:db8::5": "451 v6 listed", "::ffff:1.2.3.4": "451 mapped listed", "2001:db8::6": "smtpd ran"} {
		got := run(t, bin, dns.Addr, []string{"TCPREMOTEIP=" + ip}, "-r", "bl.test")
		if !strings.Contains(got.stdout, want) {
			t.Errorf("%s: %+v", ip, got)
		}
	}
	if q := dns.Queries(); !slices.Contains(q, "TXT 6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test.") {
		t.Errorf("queries %q", q)
	}
}
