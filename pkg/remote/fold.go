package remote

import (
	"bytes"
	"os"
)

// Fold is qmail-rspawn's report(): it turns a finished qmail-remote's
// exit status and output (recipient reports and a message report, each
// ending in NUL) into the one report qmail-send expects, "K", "Z" or "D"
// and text. rspawn runs one recipient per qmail-remote, so the recipient
// report decides (an "s" makes it temporary, an "h" permanent) and the
// message report's text follows it when that adds information.
func Fold(state *os.ProcessState, output []byte) string {
	if ws, ok := state.Sys().(interface{ Signaled() bool }); ok && ws.Signaled() {
		return "Zqmail-remote crashed.\n"
	}
	switch state.ExitCode() {
	case 0:
	case 111:
		return "ZUnable to run qmail-remote.\n"
	default:
		return "DUnable to run qmail-remote.\n"
	}
	return FoldOutput(output)
}

// FoldOutput folds the output of a qmail-remote that exited 0, byte for
// byte as qmail-rspawn does, quirks included: output without any NUL
// gives a bare letter.
func FoldOutput(s []byte) string {
	if len(s) == 0 {
		return "Zqmail-remote produced no output.\n"
	}
	result := -1
	for j, k := 0, 0; k < len(s); k++ {
		if s[k] != 0 {
			continue
		}
		if s[j] == 'K' {
			result = 1
			break
		}
		if s[j] == 'Z' {
			result = 0
			break
		}
		if s[j] == 'D' {
			break
		}
		j = k + 1
	}
	orr := result
	switch s[0] {
	case 's':
		orr = 0
	case 'h':
		orr = -1
	}
	var b bytes.Buffer
	b.WriteByte("DZK"[orr+1])
	for k := 1; k < len(s); {
		if s[k] != 0 {
			k++
			continue
		}
		k++
		b.Write(upToNUL(s[1:]))
		if result <= orr && k < len(s) {
			switch s[k] {
			case 'Z', 'D', 'K':
				b.Write(upToNUL(s[k+1:]))
			}
		}
		break
	}
	return b.String()
}

func upToNUL(s []byte) []byte {
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}
