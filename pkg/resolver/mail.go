package resolver

import (
	"context"
	"net/netip"
	"sort"
)

// MX is one mail exchanger of a domain.
type MX struct {
	Pref uint16
	Host string
}

// QueryName is Query for callers that must tell "no such name" from "no
// records of this type", as qmail-remote does: a name that does not exist
// (NXDOMAIN) gives a NotFound error, while an existing name without
// records of qtype gives an empty list and no error.
func (c *Client) QueryName(ctx context.Context, name string, qtype uint16) ([]Answer, error) {
	return c.query(ctx, name, qtype, true)
}

// MX returns the mail exchangers of name, lowest preference first (ties
// in the order the server gave them). A name that does not exist gives a
// NotFound error; a name without MX records gives an empty list.
func (c *Client) MX(ctx context.Context, name string) ([]MX, error) {
	answers, err := c.QueryName(ctx, name, TypeMX)
	if err != nil {
		return nil, err
	}
	list := make([]MX, 0, len(answers))
	for _, a := range answers {
		list = append(list, MX{Pref: a.Pref, Host: string(a.Data)})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Pref < list[j].Pref })
	return list, nil
}

// Addrs returns the addresses of name of one family: A records when
// want6 is false, AAAA records when it is true. Like QueryName it gives
// NotFound only for a name that does not exist.
func (c *Client) Addrs(ctx context.Context, name string, want6 bool) ([]netip.Addr, error) {
	qtype := uint16(TypeA)
	if want6 {
		qtype = TypeAAAA
	}
	answers, err := c.QueryName(ctx, name, qtype)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	for _, a := range answers {
		if addr, ok := netip.AddrFromSlice(a.Data); ok {
			addrs = append(addrs, addr)
		}
	}
	return addrs, nil
}
