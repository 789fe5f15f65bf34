package remote

import (
	"strconv"
	"strings"
)

// Routes is control/smtproutes: artificial routes by recipient domain.
type Routes map[string]string

// ParseRoutes reads smtproutes lines "domain:relay[:port]". Keys are
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
		relay, port, hasPort := splitRelay(value)
		route := Route{Relay: relay, Found: relay != ""}
		if hasPort {
			route.Port = leadingPort(port)
		}
		return route
	}
	return Route{}
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
