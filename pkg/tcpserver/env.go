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

// apply returns base with the changes made, each name once.
func (e envList) apply(base []string) []string {
	last := map[string]int{}
	for i, c := range e {
		last[c.name] = i
	}
	out := make([]string, 0, len(base)+len(last))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if _, changed := last[name]; !changed {
			out = append(out, kv)
		}
	}
	for i, c := range e {
		if last[c.name] == i && !c.unset {
			out = append(out, c.name+"="+c.value)
		}
	}
	return out
}
