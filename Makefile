# quail: build every program into bin/, test, benchmark, fuzz, install.
#
#   make              build bin/*
#   make test         go vet + go test -race ./...
#   make run          start a local mail system on loopback (see README)
#   make bench        benchmarks, quail against the C originals where present
#   make fuzz         every fuzz target for FUZZTIME (default 30s)
#   make install      install programs, boot scripts and man pages into $(DESTDIR)$(QMAILHOME)
#   make setup        as root: qmail's users and groups, the queue, owners and modes

QMAILHOME ?= /var/qmail
GO        ?= go
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
PKG       := github.com/quail-mta/quail
LDFLAGS   := -X $(PKG)/pkg/qhome.Default=$(QMAILHOME)
CMDS      := $(notdir $(wildcard cmd/*))

.PHONY: all test bench fuzz run install setup clean refs

# Static binaries (no cgo) start in half the time of dynamically linked ones,
# which counts for programs exec'd per connection and per message.
# qmail-getpw alone keeps the C library where there is one: its passwd
# lookups should see what getpwnam sees (NSS, LDAP).
all:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o bin/ ./cmd/...
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/ ./cmd/qmail-getpw

test:
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 25m ./...

# Benchmarks compare with the Debian C programs; scripts/fetch-reference
# unpacks them (needs apt).
bench: all
	-scripts/fetch-reference
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -timeout 30m ./...

# Runs each fuzz target in turn: go test allows one -fuzz target per run.
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz

run: all
	scripts/run

refs:
	scripts/fetch-reference

install: all
	install -d $(DESTDIR)$(QMAILHOME)/bin $(DESTDIR)$(QMAILHOME)/boot $(DESTDIR)$(QMAILHOME)/doc
	for p in bin/*; do install -m 755 $$p $(DESTDIR)$(QMAILHOME)/bin/; done
	for s in $$(ls scripts/ucspi/* scripts/qmail/* | grep -v '\.go$$'); do \
		sed 's|QMAILHOME|$(QMAILHOME)|g' $$s > $(DESTDIR)$(QMAILHOME)/bin/$$(basename $$s); \
		chmod 755 $(DESTDIR)$(QMAILHOME)/bin/$$(basename $$s); \
	done
	for b in $$(ls boot | grep -v '\.go$$'); do \
		sed 's|QMAILHOME|$(QMAILHOME)|g' boot/$$b > $(DESTDIR)$(QMAILHOME)/boot/$$b; \
		chmod 755 $(DESTDIR)$(QMAILHOME)/boot/$$b; \
	done
	scripts/install-man man $(DESTDIR)$(QMAILHOME)/man
	install -m 644 README.md docs/architecture.md $(DESTDIR)$(QMAILHOME)/doc/
	cd services && find . -type f | while read f; do \
		install -d $(DESTDIR)$(QMAILHOME)/doc/services/$$(dirname $$f); \
		sed 's|QMAILHOME|$(QMAILHOME)|g' $$f > $(DESTDIR)$(QMAILHOME)/doc/services/$$f; \
		chmod $$(stat -c %a $$f) $(DESTDIR)$(QMAILHOME)/doc/services/$$f; \
	done

setup:
	scripts/setup $(DESTDIR)$(QMAILHOME)

clean:
	rm -rf bin
