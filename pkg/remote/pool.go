package remote

import (
	"net/netip"
	"sync"
	"time"
)

// Pool keeps SMTP connections open between messages, so that a process
// delivering many messages (qmail-rspawn running deliveries itself) sends
// several messages to the same host over one connection. qmail makes one
// connection per message; nothing in the reports changes.
//
// A connection enters the pool after a transaction that left it usable
// (any reply but a dropped connection or 421), instead of QUIT. It leaves
// when a delivery to the same address, port, host name and HELO name
// (and TLS policy) takes it, after RSET is answered with 250, or when it has been idle for
// Idle, or has carried MaxMessages messages; then it gets its QUIT.
type Pool struct {
	Idle        time.Duration
	MaxMessages int

	mu   sync.Mutex
	idle map[poolKey][]*pooled
}

type poolKey struct {
	addr netip.AddrPort
	name string // TLS checks are for this name
	helo string
	tls  tlsMode // a change of TLS policy must not reuse an older session
	auth Login   // logged in as this user (or not at all)
}

type pooled struct {
	s     *session
	timer *time.Timer
}

// NewPool returns a pool that keeps connections idle for at most idle.
func NewPool(idle time.Duration) *Pool {
	return &Pool{Idle: idle, MaxMessages: 100, idle: map[poolKey][]*pooled{}}
}

// put parks a session whose transaction is over. It reports false when
// the session cannot be kept (the caller then ends it with QUIT).
func (p *Pool) put(key poolKey, s *session) bool {
	if p == nil || p.Idle <= 0 || s.messages >= p.MaxMessages {
		return false
	}
	entry := &pooled{s: s}
	p.mu.Lock()
	defer p.mu.Unlock()
	entry.timer = time.AfterFunc(p.Idle, func() {
		if p.remove(key, entry) {
			entry.s.close()
		}
	})
	p.idle[key] = append(p.idle[key], entry)
	return true
}

// remove takes entry out of the pool, reporting whether it was still there.
func (p *Pool) remove(key poolKey, entry *pooled) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[key]
	for i, e := range list {
		if e == entry {
			p.idle[key] = append(list[:i:i], list[i+1:]...)
			if len(p.idle[key]) == 0 {
				delete(p.idle, key)
			}
			return true
		}
	}
	return false
}

// get takes the most recently parked session for key, if any.
func (p *Pool) get(key poolKey) *session {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	list := p.idle[key]
	if len(list) == 0 {
		return nil
	}
	entry := list[len(list)-1]
	p.idle[key] = list[:len(list)-1]
	if len(p.idle[key]) == 0 {
		delete(p.idle, key)
	}
	entry.timer.Stop()
	return entry.s
}

// Close ends every idle connection with QUIT.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	all := p.idle
	p.idle = map[poolKey][]*pooled{}
	p.mu.Unlock()
	for _, list := range all {
		for _, e := range list {
			e.timer.Stop()
			e.s.close()
		}
	}
}
