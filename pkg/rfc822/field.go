package rfc822

// Field is a header field qmail knows by name (hfield.h); 0 is any other.
type Field int

// The fields, in hfield's order.
const (
	Unknown Field = iota
	Sender
	From
	ReplyTo
	To
	Cc
	Bcc
	Date
	MessageID
	Subject
	ResentSender
	ResentFrom
	ResentReplyTo
	ResentTo
	ResentCc
	ResentBcc
	ResentDate
	ResentMessageID
	ReturnReceiptTo
	ErrorsTo
	ApparentlyTo
	Received
	ReturnPath
	DeliveredTo
	ContentLength
	ContentType
	ContentTransferEncoding
	NoticeRequestedUponDeliveryTo
	MailFollowupTo
	numFields
)

var fieldNames = [numFields]string{
	"", "sender", "from", "reply-to", "to", "cc", "bcc", "date", "message-id",
	"subject", "resent-sender", "resent-from", "resent-reply-to", "resent-to",
	"resent-cc", "resent-bcc", "resent-date", "resent-message-id",
	"return-receipt-to", "errors-to", "apparently-to", "received", "return-path",
	"delivered-to", "content-length", "content-type", "content-transfer-encoding",
	"notice-requested-upon-delivery-to", "mail-followup-to",
}

// Known returns which field a header line is: its name, in any case,
// followed by optional spaces or tabs and a colon.
func Known(line []byte) Field {
	for f := Sender; f < numFields; f++ {
		if nameMatches(line, fieldNames[f]) {
			return f
		}
	}
	return Unknown
}

func nameMatches(line []byte, name string) bool {
	if len(line) < len(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c, n := line[i], name[i]
		if c != n && (n == '-' || c != n-32) {
			return false
		}
	}
	for i := len(name); i < len(line); i++ {
		switch line[i] {
		case ':':
			return true
		case ' ', '\t':
		default:
			return false
		}
	}
	return false
}

// Valid reports whether a line starts a header field: a nonempty name of
// printable non-space bytes, then optional spaces or tabs and a colon.
func Valid(line []byte) bool {
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		return false
	}
	end := colon
	for end > 0 && (line[end-1] == ' ' || line[end-1] == '\t') {
		end--
	}
	if end == 0 {
		return false
	}
	for _, c := range line[:end] {
		if c <= 32 || c >= 127 {
			return false
		}
	}
	return true
}
