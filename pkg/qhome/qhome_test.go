package qhome

import "testing"

func TestDir(t *testing.T) {
	t.Setenv(EnvVar, "")
	if Dir() != Default {
		t.Errorf("Dir() = %q without QMAILHOME, want %q", Dir(), Default)
	}
	t.Setenv(EnvVar, "/tmp/q")
	if Privileged() {
		t.Skip("test binary runs setuid or setgid")
	}
	if Dir() != "/tmp/q" || Path("control", "me") != "/tmp/q/control/me" {
		t.Errorf("Dir() = %q, Path = %q with QMAILHOME=/tmp/q", Dir(), Path("control", "me"))
	}
}
