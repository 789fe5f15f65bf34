package remote

import (
	"strconv"
	"strings"
)

// Routes is control/smtproutes: artificial routes by recipient domain.
type Routes map[string]string

// ParseRoutes reads smtproutes lines "domain:relay[:port][ user password]".
// Keys are
// compared without regard to case; the first line for a key wins, as in
// qmail's constmap. Lines without a colon route nothing.
func ParseRoutes(lines []string) Routes {
	routes := Routes{}
	for _, line := range lines {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		key = strings.ToLower(key)
		if _, seen := routes[key]; !seen {
			routes[key] = value
		}
	}
	return routes
}

// Route is where a domain's mail goes.
type Route struct {
	Relay string // host name or IP address (bare or in brackets); "" = MX lookup
	Port  int    // 0 = the default port
	Found bool   // a route line applied with a non-empty value
	Login Login  // SMTP AUTH at the relay, if any
}

// Login is the user name and password a route gives for SMTP AUTH, as
// the qmail-remote AUTH patch (Tom Clegg's, as in John Simpson's combined
// patch) takes them from smtproutes: "domain:relay:port user password",
// the password being the rest of the line. The password goes only over
// TLS unless the user name starts with "-" (removed).
type Login struct {
	User, Password string
	InClear        bool // "-user": AUTH without TLS is allowed
}

// Lookup finds host's route: the whole host, then each suffix starting at
// a dot (".b.c", ".c"), then the empty key. An empty value means "look up
// MX records as usual". As an extension to qmail, ":port" with an empty
// relay keeps the MX lookup but uses that port; in qmail it looked up a
// host with an empty name and failed.
func (r Routes) Lookup(host string) Route {
	host = strings.ToLower(host)
	for i := 0; i <= len(host); i++ {
		if i != 0 && i != len(host) && host[i] != '.' {
			continue
		}
		value, ok := r[host[i:]]
		if !ok {
			continue
		}
		if value == "" {
			return Route{}
		}
		value, login := splitLogin(value)
		relay, port, hasPort := splitRelay(value)
		route := Route{Relay: relay, Found: relay != "", Login: login}
		if hasPort {
			route.Port = leadingPort(port)
		}
		return route
	}
	return Route{}
}

// splitLogin takes " user password" off the end of a route's value; a
// user without a password is no login.
func splitLogin(value string) (string, Login) {
	value, credentials, _ := strings.Cut(value, " ")
	user, password, ok := strings.Cut(credentials, " ")
	if !ok || user == "" || user == "-" {
		return value, Login{}
	}
	login := Login{User: user, Password: password}
	login.User, login.InClear = strings.CutPrefix(user, "-")
	return value, login
}

// splitRelay splits "relay:port" at the first colon, as qmail does, but
// keeps a bracketed IPv6 literal ("[::1]:2525") whole.
func splitRelay(value string) (relay, port string, hasPort bool) {
	if strings.HasPrefix(value, "[") {
		if end := strings.IndexByte(value, ']'); end > 0 {
			relay, rest := value[:end+1], value[end+1:]
			port, hasPort := strings.CutPrefix(rest, ":")
			return relay, port, hasPort
		}
	}
	return strings.Cut(value, ":")
}

// leadingPort reads the port as scan_ulong does: leading digits, and 0
// (the default port) when there are none.
func leadingPort(s string) int {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' && end < 6 {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil || n > 65535 {
		return 0
	}
	return n
}
