// Package dnscheck asks authoritative DNS servers what they hold for a name: whether
// a site's record is answered (DNSReady) and whether a name is already in the zone
// (the availability check).
package dnscheck

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Resolver asks a set of servers, in order, until one answers.
type Resolver struct {
	Servers []string // host:port
	Timeout time.Duration
}

// Answer is what a server said about a name.
type Answer struct {
	Server string
	Rcode  int
	// Records are "TYPE value" strings, e.g. "A 203.0.113.10", sorted.
	Records []string
}

// NXDomain reports whether the server said the name does not exist.
func (a Answer) NXDomain() bool { return a.Rcode == dns.RcodeNameError }

// Lookup asks for the A, AAAA and CNAME records of fqdn (no recursion: the servers are
// authoritative). The first server that answers decides.
func (r Resolver) Lookup(ctx context.Context, fqdn string) (Answer, error) {
	if len(r.Servers) == 0 {
		return Answer{}, fmt.Errorf("no DNS server configured")
	}
	var lastErr error
	for _, server := range r.Servers {
		ans, err := r.ask(ctx, server, dns.Fqdn(fqdn))
		if err == nil {
			return ans, nil
		}
		lastErr = err
	}
	return Answer{}, lastErr
}

func (r Resolver) ask(ctx context.Context, server, fqdn string) (Answer, error) {
	client := &dns.Client{Timeout: r.Timeout}
	ans := Answer{Server: server}
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME} {
		msg := new(dns.Msg)
		msg.SetQuestion(fqdn, qtype)
		msg.RecursionDesired = false
		in, _, err := client.ExchangeContext(ctx, msg, server)
		if err != nil {
			return ans, fmt.Errorf("asking %s for %s %s: %w", server, dns.TypeToString[qtype], fqdn, err)
		}
		ans.Rcode = in.Rcode
		if in.Rcode != dns.RcodeSuccess {
			if in.Rcode == dns.RcodeNameError {
				return ans, nil
			}
			return ans, fmt.Errorf("%s answered %s for %s", server, dns.RcodeToString[in.Rcode], fqdn)
		}
		for _, rr := range in.Answer {
			if !strings.EqualFold(rr.Header().Name, fqdn) {
				continue
			}
			switch v := rr.(type) {
			case *dns.A:
				ans.Records = append(ans.Records, "A "+v.A.String())
			case *dns.AAAA:
				ans.Records = append(ans.Records, "AAAA "+v.AAAA.String())
			case *dns.CNAME:
				ans.Records = append(ans.Records, "CNAME "+strings.TrimSuffix(v.Target, "."))
			}
		}
	}
	ans.Records = dedupe(ans.Records)
	return ans, nil
}

// Matches reports whether the answer holds the expected target: all the IPs, or the
// CNAME. Other records beside them do not make it fail.
func (a Answer) Matches(ips []string, cname string) bool {
	want := map[string]bool{}
	for _, ip := range ips {
		if p := net.ParseIP(ip); p != nil && p.To4() != nil {
			want["A "+p.String()] = true
		} else if p != nil {
			want["AAAA "+p.String()] = true
		}
	}
	if cname != "" {
		want["CNAME "+strings.TrimSuffix(cname, ".")] = true
	}
	if len(want) == 0 {
		return false
	}
	have := map[string]bool{}
	for _, r := range a.Records {
		have[r] = true
	}
	for w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

func dedupe(in []string) []string {
	sort.Strings(in)
	out := in[:0]
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}
