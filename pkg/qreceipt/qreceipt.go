// Package qreceipt is qmail's delivery notice (qreceipt, run from a
// .qmail file): when a message asks for one in a
// Notice-Requested-Upon-Delivery-To field naming the address it was
// delivered to, a short "success notice" goes back to its sender.
package qreceipt

import (
	"io"
	"strings"

	"github.com/quail-mta/quail/pkg/headerbody"
	"github.com/quail-mta/quail/pkg/rfc822"
)

// ParseError is a Notice-Requested-Upon-Delivery-To field that cannot be
// read.
type ParseError struct{ Field string }

func (e *ParseError) Error() string { return "unable to parse this: " + e.Field }

// Notice reads a message's header and returns the notice to send to
// returnPath, or nil when none is asked for (or the message came from
// nobody: an empty sender or "#@[]").
func Notice(msg io.Reader, target, returnPath string) ([]byte, error) {
	var messageID string
	wanted := false
	err := headerbody.Parse(msg, headerbody.Handler{
		Field: func(f []byte) error {
			switch {
			case headerbody.Is(f, "message-id"):
				messageID = string(f)
			case headerbody.Is(f, "notice-requested-upon-delivery-to"):
				addrs, err := Addresses(string(f[headerbody.SkipName(f):]))
				if err != nil {
					return &ParseError{Field: string(f)}
				}
				for _, a := range addrs {
					wanted = wanted || a == target
				}
			}
			return nil
		},
		HeaderDone: func() error { return headerbody.ErrStop },
	})
	if err != nil {
		return nil, err
	}
	if !wanted || returnPath == "" || returnPath == "#@[]" {
		return nil, nil
	}
	quoted := rfc822.QuoteAddress(returnPath)
	var b strings.Builder
	b.WriteString("From: DELIVERY NOTICE SYSTEM <" + quoted + ">\n")
	b.WriteString("To: <" + quoted + ">\n")
	b.WriteString("Subject: success notice\n")
	b.WriteString("\n")
	b.WriteString("Hi! This is the qreceipt program. Your message was delivered to the\n")
	b.WriteString("following address: " + target + ". Thanks for asking.\n")
	if messageID != "" {
		b.WriteString("Your " + messageID)
	}
	return []byte(b.String()), nil
}
