package main

import "testing"

func TestInvokedBy(t *testing.T) {
	passwd := []byte("root:x:0:0:root:/root:/bin/sh\n" +
		"alias:x:7790:2108::/var/qmail/alias:/bin/true\n" +
		"qmaild:x:7791:2108::/var/qmail:/bin/true\n" +
		"qmails:x:7794:2108::/var/qmail:/bin/true\n" +
		"qmaild:x:1:1::/:/bin/true\n" + // a later duplicate is ignored, as getpwnam does
		"twin:x:7791:2108::/:/bin/true\n")
	for _, c := range []struct {
		uid  int
		want string
	}{
		{7790, "by alias"},
		{7791, "from network"},
		{7794, "for bounce"},
		{1, "by uid 1"},
		{0, "by uid 0"},
	} {
		if got := invokedBy(c.uid, passwd); got != c.want {
			t.Errorf("invokedBy(%d) = %q, want %q", c.uid, got, c.want)
		}
	}
	if got := invokedBy(7790, nil); got != "by uid 7790" {
		t.Errorf("without a password file: %q", got)
	}
}
