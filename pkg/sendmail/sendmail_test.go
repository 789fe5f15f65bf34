package sendmail

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestPlan(t *testing.T) {
	base := []string{"PATH=/bin", "MAILNAME=Old Name", "QMAILHOST=old.example"}
	tests := []struct {
		name  string
		argv  []string
		env   []string
		argv2 []string
		env2  []string
	}{
		{"cron", []string{"sendmail", "-t", "-i"}, base,
			[]string{"bin/qmail-inject", "-H", "--"}, base},
		{"args", []string{"/usr/sbin/sendmail", "-oi", "-oem", "a@b", "c"}, base,
			[]string{"bin/qmail-inject", "-a", "--", "a@b", "c"}, base},
		{"php", []string{"sendmail", "-t", "-i", "-f", "www@example.com"}, base,
			[]string{"bin/qmail-inject", "-H", "-f", "www@example.com", "--"},
			[]string{"PATH=/bin", "QMAILHOST=example.com", "QMAILUSER=www"}},
		{"-f without host", []string{"sendmail", "-fjoe", "x"}, base,
			[]string{"bin/qmail-inject", "-a", "-f", "joe", "--", "x"},
			[]string{"PATH=/bin", "QMAILUSER=joe"}},
		{"-F", []string{"sendmail", "-F", "New Name", "x"}, base,
			[]string{"bin/qmail-inject", "-a", "--", "x"},
			[]string{"PATH=/bin", "QMAILHOST=old.example", "MAILNAME=New Name"}},
		{"ignored options", []string{"sendmail", "-v", "-m", "-x", "-Bbody", "-p", "proto", "-e", "q",
			"-ElostE", "-J", "-bm", "-U", "x"}, nil, nil, nil},
		{"ignored options ok", []string{"sendmail", "-v", "-m", "-x", "-B8BITMIME", "-p", "p", "-e", "q",
			"-Elost", "-J", "-bm", "--", "-x"}, nil,
			[]string{"bin/qmail-inject", "-a", "--", "-x"}, nil},
		{"mailq", []string{"sendmail", "-bp"}, base, []string{"bin/qmail-qread"}, base},
		{"as mailq", []string{"/usr/bin/mailq"}, base, []string{"bin/qmail-qread"}, base},
		{"smtpd", []string{"sendmail", "-bs"}, []string{"A=1"}, []string{"bin/qmail-smtpd"},
			[]string{"A=1", "RELAYCLIENT=", "DATABYTES=0", "PROTO=TCP", "TCPLOCALIP=127.0.0.1",
				"TCPLOCALHOST=localhost", "TCPREMOTEIP=127.0.0.1", "TCPREMOTEHOST=localhost",
				"TCPREMOTEINFO=sendmail-bs"}},
		{"smtpd under tcpserver", []string{"sendmail", "-bs"}, []string{"PROTO=TCP"},
			[]string{"bin/qmail-smtpd"}, []string{"PROTO=TCP"}},
	}
	for _, tt := range tests {
		var errs bytes.Buffer
		x, err := Plan(tt.argv, tt.env, &errs)
		if tt.argv2 == nil {
			var f *Fatal
			if !errors.As(err, &f) || f.Code != 100 {
				t.Errorf("%s: got %v, want usage error", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(x.Argv, tt.argv2) || !reflect.DeepEqual(x.Env, tt.env2) || x.Path != tt.argv2[0] {
			t.Errorf("%s: got %q %q, want %q %q", tt.name, x.Argv, x.Env, tt.argv2, tt.env2)
		}
	}
}

func TestPlanErrors(t *testing.T) {
	for _, tt := range []struct {
		argv   []string
		text   string
		stderr string
	}{
		{[]string{"sendmail", "-bz"}, errUsage.Text, ""},
		{[]string{"sendmail", "-b", ""}, errUsage.Text, ""},
		{[]string{"sendmail", "-U"}, errUsage.Text, "sendmail: illegal option -- U\n"},
		{[]string{"sendmail", "-f"}, errUsage.Text, "sendmail: option requires an argument -- f\n"},
		{[]string{"newaliases"}, "sendmail: fatal: please use fastforward/newaliases instead\n", ""},
	} {
		var errs bytes.Buffer
		_, err := Plan(tt.argv, nil, &errs)
		var f *Fatal
		if !errors.As(err, &f) || f.Code != 100 || f.Text != tt.text || errs.String() != tt.stderr {
			t.Errorf("%q: got %v, stderr %q", tt.argv, err, errs.String())
		}
	}
}
