// Package availability decides whether a requested name is free: the Kepala Seksi's
// check of step 4 of the SOP, as a pure function of facts the operator gathers.
package availability

import (
	"fmt"
	"sort"
	"strings"
	"time"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// Request is another SubdomainRequest that asks for the same name.
type Request struct {
	Name      string
	Unit      string
	Created   time.Time
	Claimed   bool // it owns the name's claim (it was provisioned or is being)
	Finished  bool // rejected or being deleted: it no longer holds the name
	Ready     bool
	Namespace string
}

// Object is a Kubernetes object that uses the name.
type Object struct {
	// Kind is named in messages when a list mixes kinds (Routes); empty otherwise.
	Kind      string
	Namespace string
	Name      string
}

func (o Object) String() string {
	s := o.Name
	if o.Namespace != "" {
		s = o.Namespace + "/" + o.Name
	}
	if o.Kind != "" {
		s = o.Kind + " " + s
	}
	return s
}

// Facts are what the operator found out about a name.
type Facts struct {
	Label        string
	FQDN         string
	Reserved     bool
	Self         Request
	Others       []Request // other requests for the same label
	Ingresses    []Object  // Ingresses not provisioned for this request serving FQDN
	DNSEndpoints []Object  // DNSEndpoints not provisioned for this request naming FQDN
	// Routes are Gateway API objects (HTTPRoutes, ListenerSets) not provisioned for
	// this request serving FQDN.
	Routes []Object
	// ZoneRecords are records the authoritative DNS server already holds for FQDN that
	// are not this request's (empty when no server is configured).
	ZoneRecords []string
}

// Result is the outcome of the check.
type Result struct {
	Available bool
	Reason    string
	// Message says why the name is taken (or that it is free), in English: the
	// condition's message.
	Message string
	// Pesan is Message in Bahasa Indonesia, for the Indonesian text of the mail to
	// the applicant; empty when the name is free. Whoever changes Message after
	// Decide must change or clear Pesan with it.
	Pesan string
}

// Decide checks the facts in order and returns the first reason the name is taken.
func Decide(f Facts) Result {
	if f.Reserved {
		return taken(hostingv1.ReasonNameReserved,
			fmt.Sprintf("%s is on the platform's reserved list; choose another name", f.FQDN),
			fmt.Sprintf("%s termasuk nama yang dicadangkan oleh platform; silakan pilih nama lain", f.FQDN))
	}
	others := append([]Request(nil), f.Others...)
	sort.Slice(others, func(i, j int) bool { return earlier(others[i], others[j]) })
	for _, o := range others {
		if o.Finished {
			continue
		}
		if o.Claimed {
			return taken(hostingv1.ReasonNameClaimed,
				fmt.Sprintf("%s is already granted to request %s (%s)%s", f.FQDN, o.Name, o.Unit, where(o)),
				fmt.Sprintf("%s sudah diberikan kepada permohonan %s (%s)%s", f.FQDN, o.Name, o.Unit, where(o)))
		}
	}
	for _, o := range others {
		if !o.Finished && earlier(o, f.Self) {
			return taken(hostingv1.ReasonNameRequested,
				fmt.Sprintf("%s was requested earlier by request %s (%s)", f.FQDN, o.Name, o.Unit),
				fmt.Sprintf("%s sudah lebih dahulu dimohon melalui permohonan %s (%s)", f.FQDN, o.Name, o.Unit))
		}
	}
	if len(f.Routes) > 0 {
		return taken(hostingv1.ReasonNameServedByRoute,
			fmt.Sprintf("%s is already served by %s", f.FQDN, list(f.Routes)),
			fmt.Sprintf("%s sudah dilayani oleh %s", f.FQDN, list(f.Routes)))
	}
	if len(f.Ingresses) > 0 {
		return taken(hostingv1.ReasonNameServedByIngress,
			fmt.Sprintf("%s is already served by Ingress %s", f.FQDN, list(f.Ingresses)),
			fmt.Sprintf("%s sudah dilayani oleh Ingress %s", f.FQDN, list(f.Ingresses)))
	}
	if len(f.DNSEndpoints) > 0 {
		return taken(hostingv1.ReasonNameInDNSEndpoint,
			fmt.Sprintf("%s is already named by DNSEndpoint %s", f.FQDN, list(f.DNSEndpoints)),
			fmt.Sprintf("%s sudah tercantum dalam DNSEndpoint %s", f.FQDN, list(f.DNSEndpoints)))
	}
	if len(f.ZoneRecords) > 0 {
		return taken(hostingv1.ReasonNameInDNSZone,
			fmt.Sprintf("%s already has a record in the DNS zone: %s", f.FQDN, strings.Join(f.ZoneRecords, ", ")),
			fmt.Sprintf("%s sudah memiliki record di zona DNS: %s", f.FQDN, strings.Join(f.ZoneRecords, ", ")))
	}
	return Result{Available: true, Reason: hostingv1.ReasonNameAvailable, Message: fmt.Sprintf("%s is free", f.FQDN)}
}

// earlier orders requests first come, first served; the name breaks ties of the same
// second so that every reconciler reaches the same answer.
func earlier(a, b Request) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.Before(b.Created)
	}
	return a.Name < b.Name
}

// where names the namespace of a claimed request; "namespace" reads the same in
// both languages.
func where(o Request) string {
	if o.Namespace == "" {
		return ""
	}
	return ", namespace " + o.Namespace
}

func list(objs []Object) string {
	s := make([]string, 0, len(objs))
	for _, o := range objs {
		s = append(s, o.String())
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// taken is a negative result with its message in English and in Bahasa Indonesia.
func taken(reason, message, pesan string) Result {
	return Result{Reason: reason, Message: message, Pesan: pesan}
}
