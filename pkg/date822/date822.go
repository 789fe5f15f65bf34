// Package date822 writes dates the way qmail writes them in Date:,
// Received: and bounce headers: "25 Nov 2026 01:33:32 -0000", with no
// weekday and no leading zero on the day, in UTC marked -0000; or, as an
// explicit choice (the "date localtime" patch, and predate), in local time
// with its numeric zone, e.g. "26 Nov 2026 02:33:32 +0100".
package date822

import (
	"strconv"
	"time"
)

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// UTC formats t in UTC with qmail's "-0000" zone.
func UTC(t time.Time) string {
	return stamp(t.UTC()) + " -0000"
}

// Local formats t in the local time zone with its offset, rounded to the
// minute as predate does ("+0100", "-0530").
func Local(t time.Time) string {
	t = t.Local()
	_, offset := t.Zone()
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	minutes := (offset + 30) / 60
	return stamp(t) + " " + string(sign) + two(minutes/60) + two(minutes%60)
}

// Format is Local when local is set, else UTC.
func Format(t time.Time, local bool) string {
	if local {
		return Local(t)
	}
	return UTC(t)
}

func stamp(t time.Time) string {
	return strconv.Itoa(t.Day()) + " " + months[t.Month()-1] + " " + strconv.Itoa(t.Year()) + " " +
		two(t.Hour()) + ":" + two(t.Minute()) + ":" + two(t.Second())
}

func two(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
