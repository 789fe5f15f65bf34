package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// outsiderIP is the second address of the test's network namespace: a
// client from it is not local, so it may not relay.
const outsiderIP = "192.0.2.1"

// useNetns moves the system's network into a namespace of its own, with
// loopback and outsiderIP, so a test can have clients from outside
// 127.0.0.0/8 without touching the machine's network. Needs root.
func (s *system) useNetns() {
	name := "quail-e2e-" + strconv.Itoa(os.Getpid()) + "-" + filepath.Base(s.dir)
	for _, args := range [][]string{
		{"netns", "add", name},
		{"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "addr", "add", outsiderIP + "/32", "dev", "lo"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			s.t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	s.t.Cleanup(func() { exec.Command("ip", "netns", "delete", name).Run() })
	s.netns = name
}

// netCommand is command for a program that uses the network: inside the
// namespace, if there is one, still as the system's user.
func (s *system) netCommand(name string, args ...string) *exec.Cmd {
	if s.netns == "" {
		return s.command(name, args...)
	}
	argv := []string{"netns", "exec", s.netns, "setpriv",
		"--reuid=" + strconv.Itoa(s.uid), "--regid=" + strconv.Itoa(s.gid), "--clear-groups",
		filepath.Join(s.home, "bin", name)}
	cmd := exec.Command("ip", append(argv, args...)...)
	cmd.Env = s.env
	cmd.Dir = s.dir
	return cmd
}

// inNet runs f on a thread inside the namespace (if any), so the sockets
// it makes belong there. The thread is thrown away afterwards.
func (s *system) inNet(f func()) {
	if s.netns == "" {
		f()
		return
	}
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		fd, err := unix.Open("/run/netns/"+s.netns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			done <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns: %w", err)
			return
		}
		f()
		done <- nil
	}()
	if err := <-done; err != nil {
		s.t.Fatal(err)
	}
}
