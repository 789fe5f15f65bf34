package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// scenario is one recorded tcpserver run from the golden set: the command
// line, what each client received, and what tcpserver printed.
type scenario struct {
	name    string
	note    string
	args    []string // options, between "tcpserver" and the host
	host    string
	program []string // the child's argv; "child.py" stands for the golden child
	clients []scenarioClient
	stdout  string
	stderr  string
	exit    int
}

type scenarioClient struct {
	source, dest string
	elapsed      float64
	firstByte    float64 // -1 when nothing arrived
	received     string
}

// readScenario parses scenarios/NN-name.BUILD.txt.
func readScenario(path string) (*scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := &scenario{name: strings.SplitN(filepath.Base(path), ".", 2)[0]}
	var section *strings.Builder
	var current *scenarioClient
	var stdout, stderr strings.Builder
	flush := func() {
		if current != nil {
			current.received = strings.TrimSuffix(section.String(), "(no data, EOF)\n")
			sc.clients = append(sc.clients, *current)
			current = nil
		}
	}
	// Split on \n only: a banner's \r is part of what the client got.
	for _, line := range strings.SplitAfter(string(data), "\n") {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "# note: "):
			sc.note = strings.TrimPrefix(line, "# note: ")
		case strings.HasPrefix(line, "# "):
		case strings.HasPrefix(line, "$ tcpserver"):
			sc.args, sc.host, sc.program = splitCommand(strings.TrimPrefix(line, "$ tcpserver"))
		case strings.HasPrefix(line, "--- client "):
			flush()
			current = &scenarioClient{}
			for _, f := range strings.Fields(line) {
				if v, ok := strings.CutPrefix(f, "source="); ok {
					current.source = v
				}
				if v, ok := strings.CutPrefix(f, "dest="); ok {
					current.dest = v
				}
			}
			section = &strings.Builder{}
		case current != nil && strings.HasPrefix(line, "elapsed_s="):
			parseTimes(line, current)
		case line == "--- tcpserver stdout:":
			flush()
			section = &stdout
		case line == "--- tcpserver stderr:":
			section = &stderr
		case strings.HasPrefix(line, "--- tcpserver exit: "):
			sc.exit, _ = strconv.Atoi(strings.TrimPrefix(line, "--- tcpserver exit: "))
			section = nil
		case section != nil:
			section.WriteString(line + "\n")
		}
	}
	sc.stdout, sc.stderr = stdout.String(), stderr.String()
	return sc, nil
}

func parseTimes(line string, c *scenarioClient) {
	for _, f := range strings.Fields(line) {
		k, v, _ := strings.Cut(f, "=")
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			n = -1
		}
		switch k {
		case "elapsed_s":
			c.elapsed = n
		case "first_byte_s":
			c.firstByte = n
		}
	}
}

// splitCommand splits the recorded command line: shell words, with
// '...' holding \r and \n escapes, host and <PORT>, then the program. A
// "sh -c" program keeps the rest of the line as its one script.
func splitCommand(line string) (args []string, host string, program []string) {
	var words []string
	rest := strings.TrimSpace(line)
	for rest != "" {
		if strings.HasPrefix(rest, "sh -c ") && len(words) > 0 && words[len(words)-1] == "<PORT>" {
			words = append(words, "sh", "-c", strings.TrimPrefix(rest, "sh -c "))
			break
		}
		var word string
		if rest[0] == '\'' {
			end := strings.IndexByte(rest[1:], '\'') + 1
			word = strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(rest[1:end])
			rest = rest[end+1:]
		} else {
			word, rest, _ = strings.Cut(rest, " ")
		}
		words = append(words, word)
		rest = strings.TrimSpace(rest)
	}
	for i, w := range words {
		if w == "<PORT>" {
			return words[:i-1], words[i-1], words[i+1:]
		}
	}
	panic(fmt.Sprintf("no <PORT> in %q", line))
}
