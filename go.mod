module github.com/quail-mta/quail

go 1.26.8

require (
	github.com/miekg/dns v1.1.73
	github.com/spf13/pflag v1.1.0
	golang.org/x/sys v0.50.0
)

require golang.org/x/net v0.57.0 // indirect
