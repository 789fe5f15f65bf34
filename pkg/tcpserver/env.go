package tcpserver

import "strings"

// envList is a sequence of changes to the environment the program gets:
// settings and removals, applied in order, so that a rule's variables
// override tcpserver's own.
type envList []envChange

type envChange struct {
	name, value string
	unset       bool
}

func (e *envList) set(name, value string) { *e = append(*e, envChange{name: name, value: value}) }

func (e *envList) setOrUnset(name, value string, ok bool) {
	*e = append(*e, envChange{name: name, value: value, unset: !ok})
}

// apply returns base with the changes made, each name once. The lists are
// short, so plain scans beat a map here (this runs per connection).
func (e envList) apply(base []string) []string {
	out := make([]string, 0, len(base)+len(e))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !e.changes(name) {
			out = append(out, kv)
		}
	}
	for i, c := range e {
		if !c.unset && !e[i+1:].changes(c.name) {
			out = append(out, c.name+"="+c.value)
		}
	}
	return out
}

func (e envList) changes(name string) bool {
	for _, c := range e {
		if c.name == name {
			return true
		}
	}
	return false
}
