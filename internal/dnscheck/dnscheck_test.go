package dnscheck

import (
	"net"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// zone answers like a small authoritative server for example.test.
func zone(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		_ = w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	add := func(rr string) {
		x, err := dns.NewRR(rr)
		if err != nil {
			panic(err)
		}
		x.Header().Name = q.Name // echo the question's case, as servers do
		m.Answer = append(m.Answer, x)
	}
	switch strings.ToLower(q.Name) {
	case "site.example.test.":
		if q.Qtype == dns.TypeA {
			add("site.example.test. 300 IN A 192.0.2.10")
		}
	case "alias.example.test.":
		// A CNAME is the answer to every type asked.
		add("alias.example.test. 300 IN CNAME target.example.net.")
	case "dual.example.test.":
		switch q.Qtype {
		case dns.TypeA:
			add("dual.example.test. 300 IN A 192.0.2.20")
			add("dual.example.test. 300 IN A 192.0.2.10")
			add("dual.example.test. 300 IN A 192.0.2.10")
			// A record of another name in the answer is not the name's.
			other, _ := dns.NewRR("other.example.test. 300 IN A 198.51.100.1")
			m.Answer = append(m.Answer, other)
		case dns.TypeAAAA:
			add("dual.example.test. 300 IN AAAA 2001:db8::10")
		}
	case "empty.example.test.":
		// The name exists but holds no address: NOERROR without answers.
	case "refused.example.test.":
		m.Rcode = dns.RcodeRefused
	default:
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

// startServer runs a DNS server on a free UDP port of 127.0.0.1 until the test ends
// and returns its address; queries counts the questions it received.
func startServer(t *testing.T, h dns.HandlerFunc) (addr string, queries *atomic.Int64) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening: %v", err)
	}
	queries = new(atomic.Int64)
	started := make(chan struct{})
	srv := &dns.Server{
		PacketConn:        pc,
		NotifyStartedFunc: func() { close(started) },
		Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			queries.Add(1)
			h(w, r)
		}),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-errc:
		t.Fatalf("DNS server did not start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Errorf("shutting down the DNS server: %v", err)
		}
	})
	return pc.LocalAddr().String(), queries
}

// closedPort returns the address of a UDP port on 127.0.0.1 that nobody listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	if err := pc.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestLookup(t *testing.T) {
	good, _ := startServer(t, zone)
	other, _ := startServer(t, zone)
	refusing, _ := startServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, dns.RcodeServerFailure)
		_ = w.WriteMsg(m)
	})
	closed := closedPort(t)

	servers := map[string]string{"good": good, "other": other, "refusing": refusing, "closed": closed}

	tests := map[string]struct {
		servers     []string // keys of servers
		fqdn        string
		wantRecords []string
		wantRcode   int
		wantServer  string // key of servers
		wantErr     []string
	}{
		"A record": {
			servers: []string{"good"}, fqdn: "site.example.test",
			wantRecords: []string{"A 192.0.2.10"}, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"A record, name given with the final dot": {
			servers: []string{"good"}, fqdn: "site.example.test.",
			wantRecords: []string{"A 192.0.2.10"}, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"A record, name in other case": {
			servers: []string{"good"}, fqdn: "SITE.Example.TEST",
			wantRecords: []string{"A 192.0.2.10"}, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"CNAME, without the final dot and only once": {
			servers: []string{"good"}, fqdn: "alias.example.test",
			wantRecords: []string{"CNAME target.example.net"}, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"several records, sorted, deduplicated, other names left out": {
			servers: []string{"good"}, fqdn: "dual.example.test",
			wantRecords: []string{"A 192.0.2.10", "A 192.0.2.20", "AAAA 2001:db8::10"}, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"name without records": {
			servers: []string{"good"}, fqdn: "empty.example.test",
			wantRecords: nil, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"unknown name": {
			servers: []string{"good"}, fqdn: "nope.example.test",
			wantRecords: nil, wantRcode: dns.RcodeNameError, wantServer: "good",
		},
		"no servers configured": {
			servers: nil, fqdn: "site.example.test",
			wantErr: []string{"no DNS server configured"},
		},
		"the second server answers when the first does not": {
			servers: []string{"closed", "good"}, fqdn: "site.example.test",
			wantRecords: []string{"A 192.0.2.10"}, wantRcode: dns.RcodeSuccess, wantServer: "good",
		},
		"the second server answers when the first fails": {
			servers: []string{"refusing", "other"}, fqdn: "alias.example.test",
			wantRecords: []string{"CNAME target.example.net"}, wantRcode: dns.RcodeSuccess, wantServer: "other",
		},
		"the first server that answers decides": {
			servers: []string{"good", "other"}, fqdn: "nope.example.test",
			wantRcode: dns.RcodeNameError, wantServer: "good",
		},
		"an error rcode is an error": {
			servers: []string{"refusing"}, fqdn: "site.example.test",
			wantErr: []string{"answered SERVFAIL for site.example.test."},
		},
		"a REFUSED answer is an error": {
			servers: []string{"good"}, fqdn: "refused.example.test",
			wantErr: []string{"answered REFUSED for refused.example.test."},
		},
		"no server answers: the last error is returned": {
			servers: []string{"closed", "refusing"}, fqdn: "site.example.test",
			wantErr: []string{"answered SERVFAIL for site.example.test."},
		},
		"the only server does not answer": {
			servers: []string{"closed"}, fqdn: "site.example.test",
			wantErr: []string{"asking " + closed + " for A site.example.test.:"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := Resolver{Timeout: 500 * time.Millisecond}
			for _, s := range tc.servers {
				r.Servers = append(r.Servers, servers[s])
			}
			ans, err := r.Lookup(t.Context(), tc.fqdn)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("Lookup() = %+v, want an error", ans)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("Lookup() error = %q, want it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup() error = %v", err)
			}
			if !reflect.DeepEqual(ans.Records, tc.wantRecords) && (len(ans.Records) > 0 || len(tc.wantRecords) > 0) {
				t.Errorf("Records = %q, want %q", ans.Records, tc.wantRecords)
			}
			if ans.Rcode != tc.wantRcode {
				t.Errorf("Rcode = %s, want %s", dns.RcodeToString[ans.Rcode], dns.RcodeToString[tc.wantRcode])
			}
			if got, want := ans.NXDomain(), tc.wantRcode == dns.RcodeNameError; got != want {
				t.Errorf("NXDomain() = %v, want %v", got, want)
			}
			if ans.Server != servers[tc.wantServer] {
				t.Errorf("Server = %s, want %s (%s)", ans.Server, servers[tc.wantServer], tc.wantServer)
			}
		})
	}
}

func TestLookupAsksWithoutRecursion(t *testing.T) {
	var rd atomic.Bool
	addr, queries := startServer(t, func(w dns.ResponseWriter, r *dns.Msg) {
		if r.RecursionDesired {
			rd.Store(true)
		}
		zone(w, r)
	})
	r := Resolver{Servers: []string{addr}, Timeout: time.Second}
	if _, err := r.Lookup(t.Context(), "site.example.test"); err != nil {
		t.Fatal(err)
	}
	if rd.Load() {
		t.Errorf("a query asked for recursion")
	}
	// A, AAAA and CNAME.
	if n := queries.Load(); n != 3 {
		t.Errorf("server got %d queries, want 3", n)
	}
}

func TestLookupStopsAtNXDomain(t *testing.T) {
	addr, queries := startServer(t, zone)
	r := Resolver{Servers: []string{addr}, Timeout: time.Second}
	ans, err := r.Lookup(t.Context(), "nope.example.test")
	if err != nil || !ans.NXDomain() {
		t.Fatalf("Lookup() = %+v, %v; want NXDOMAIN", ans, err)
	}
	if n := queries.Load(); n != 1 {
		t.Errorf("server got %d queries, want 1 (NXDOMAIN ends the lookup)", n)
	}
}

func TestNXDomain(t *testing.T) {
	tests := map[string]struct {
		rcode int
		want  bool
	}{
		"NXDOMAIN": {rcode: dns.RcodeNameError, want: true},
		"NOERROR":  {rcode: dns.RcodeSuccess, want: false},
		"SERVFAIL": {rcode: dns.RcodeServerFailure, want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := (Answer{Rcode: tc.rcode}).NXDomain(); got != tc.want {
				t.Errorf("NXDomain() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	tests := map[string]struct {
		records []string
		ips     []string
		cname   string
		want    bool
	}{
		"one IP": {
			records: []string{"A 192.0.2.10"}, ips: []string{"192.0.2.10"}, want: true,
		},
		"two IPs, both answered": {
			records: []string{"A 192.0.2.10", "A 192.0.2.20"}, ips: []string{"192.0.2.20", "192.0.2.10"}, want: true,
		},
		"two IPs, one answered": {
			records: []string{"A 192.0.2.10"}, ips: []string{"192.0.2.10", "192.0.2.20"}, want: false,
		},
		"other IP": {
			records: []string{"A 192.0.2.11"}, ips: []string{"192.0.2.10"}, want: false,
		},
		"the IP beside another A record": {
			records: []string{"A 192.0.2.10", "A 192.0.2.11"}, ips: []string{"192.0.2.10"}, want: true,
		},
		"the IP beside an AAAA record": {
			records: []string{"A 192.0.2.10", "AAAA 2001:db8::10"}, ips: []string{"192.0.2.10"}, want: true,
		},
		"IPv6": {
			records: []string{"AAAA 2001:db8::10"}, ips: []string{"2001:DB8:0::10"}, want: true,
		},
		"IPv4 and IPv6": {
			records: []string{"A 192.0.2.10", "AAAA 2001:db8::10"}, ips: []string{"192.0.2.10", "2001:db8::10"}, want: true,
		},
		"IPv6 missing": {
			records: []string{"A 192.0.2.10"}, ips: []string{"192.0.2.10", "2001:db8::10"}, want: false,
		},
		"an IP is not an AAAA record": {
			records: []string{"AAAA 2001:db8::10"}, ips: []string{"192.0.2.10"}, want: false,
		},
		"CNAME": {
			records: []string{"CNAME lb.example.net"}, cname: "lb.example.net", want: true,
		},
		"CNAME given with the final dot": {
			records: []string{"CNAME lb.example.net"}, cname: "lb.example.net.", want: true,
		},
		"other CNAME": {
			records: []string{"CNAME old.example.net"}, cname: "lb.example.net", want: false,
		},
		"CNAME wanted, A answered": {
			records: []string{"A 192.0.2.10"}, cname: "lb.example.net", want: false,
		},
		"IP wanted, CNAME answered": {
			records: []string{"CNAME lb.example.net"}, ips: []string{"192.0.2.10"}, want: false,
		},
		"nothing answered": {
			records: nil, ips: []string{"192.0.2.10"}, want: false,
		},
		"empty want": {
			records: []string{"A 192.0.2.10"}, want: false,
		},
		"empty want, empty answer": {
			records: nil, want: false,
		},
		"only unparsable IPs": {
			records: []string{"A 192.0.2.10"}, ips: []string{"not-an-ip"}, want: false,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			a := Answer{Records: tc.records}
			if got := a.Matches(tc.ips, tc.cname); got != tc.want {
				t.Errorf("Answer{Records: %q}.Matches(%q, %q) = %v, want %v", tc.records, tc.ips, tc.cname, got, tc.want)
			}
		})
	}
}
