package availability

import (
	"testing"
	"time"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

func TestDecide(t *testing.T) {
	const fqdn = "dinkes.kuduskab.go.id"
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	self := Request{Name: "dinkes-2026", Unit: "Dinas Kesehatan", Created: t0}

	earlierReq := Request{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(-time.Hour)}
	laterReq := Request{Name: "dinkes-baru", Unit: "RSUD Kudus", Created: t0.Add(time.Hour)}

	tests := map[string]struct {
		facts       Facts
		wantOK      bool
		wantReason  string
		wantMessage string
	}{
		"free name": {
			facts:       Facts{Label: "dinkes", FQDN: fqdn, Self: self},
			wantOK:      true,
			wantReason:  hostingv1.ReasonNameAvailable,
			wantMessage: "dinkes.kuduskab.go.id is free",
		},
		"reserved": {
			facts:       Facts{Label: "www", FQDN: "www.kuduskab.go.id", Reserved: true, Self: self},
			wantReason:  hostingv1.ReasonNameReserved,
			wantMessage: "www.kuduskab.go.id is on the platform's reserved list; choose another name",
		},
		"reserved beats everything else": {
			facts: Facts{
				Label: "www", FQDN: "www.kuduskab.go.id", Reserved: true, Self: self,
				Others:       []Request{{Name: "other", Unit: "X", Created: t0.Add(-time.Hour), Claimed: true, Namespace: "web-www"}},
				Ingresses:    []Object{{Namespace: "a", Name: "b"}},
				DNSEndpoints: []Object{{Namespace: "c", Name: "d"}},
				ZoneRecords:  []string{"A 192.0.2.1"},
			},
			wantReason:  hostingv1.ReasonNameReserved,
			wantMessage: "www.kuduskab.go.id is on the platform's reserved list; choose another name",
		},
		"claimed by another request, with namespace": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(time.Hour), Claimed: true, Namespace: "web-dinkes"}}},
			wantReason:  hostingv1.ReasonNameClaimed,
			wantMessage: "dinkes.kuduskab.go.id is already granted to request dinkes-lama (Puskesmas Jati), namespace web-dinkes",
		},
		"claimed by another request, without namespace": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(time.Hour), Claimed: true}}},
			wantReason:  hostingv1.ReasonNameClaimed,
			wantMessage: "dinkes.kuduskab.go.id is already granted to request dinkes-lama (Puskesmas Jati)",
		},
		"a claimed later request wins over an earlier unclaimed one": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{
					earlierReq,
					{Name: "dinkes-baru", Unit: "RSUD Kudus", Created: t0.Add(2 * time.Hour), Claimed: true, Namespace: "web-dinkes"},
				}},
			wantReason:  hostingv1.ReasonNameClaimed,
			wantMessage: "dinkes.kuduskab.go.id is already granted to request dinkes-baru (RSUD Kudus), namespace web-dinkes",
		},
		"two claimed: the earliest is named": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{
					{Name: "zz", Unit: "Z", Created: t0.Add(2 * time.Hour), Claimed: true},
					{Name: "yy", Unit: "Y", Created: t0.Add(time.Hour), Claimed: true},
				}},
			wantReason:  hostingv1.ReasonNameClaimed,
			wantMessage: "dinkes.kuduskab.go.id is already granted to request yy (Y)",
		},
		"an earlier request takes it": {
			facts:       Facts{Label: "dinkes", FQDN: fqdn, Self: self, Others: []Request{earlierReq}},
			wantReason:  hostingv1.ReasonNameRequested,
			wantMessage: "dinkes.kuduskab.go.id was requested earlier by request dinkes-lama (Puskesmas Jati)",
		},
		"the earliest of several earlier requests is named": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self, Others: []Request{
				{Name: "b", Unit: "B", Created: t0.Add(-time.Minute)},
				{Name: "a", Unit: "A", Created: t0.Add(-2 * time.Minute)},
			}},
			wantReason:  hostingv1.ReasonNameRequested,
			wantMessage: "dinkes.kuduskab.go.id was requested earlier by request a (A)",
		},
		"same second, smaller name is earlier": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-2025", Unit: "Dinas Kesehatan", Created: t0}}},
			wantReason:  hostingv1.ReasonNameRequested,
			wantMessage: "dinkes.kuduskab.go.id was requested earlier by request dinkes-2025 (Dinas Kesehatan)",
		},
		"same second, larger name is later": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-2027", Unit: "Dinas Kesehatan", Created: t0}}},
			wantOK:      true,
			wantReason:  hostingv1.ReasonNameAvailable,
			wantMessage: "dinkes.kuduskab.go.id is free",
		},
		"a later request does not take it": {
			facts:       Facts{Label: "dinkes", FQDN: fqdn, Self: self, Others: []Request{laterReq}},
			wantOK:      true,
			wantReason:  hostingv1.ReasonNameAvailable,
			wantMessage: "dinkes.kuduskab.go.id is free",
		},
		"a finished earlier request is ignored": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(-time.Hour), Finished: true}}},
			wantOK:      true,
			wantReason:  hostingv1.ReasonNameAvailable,
			wantMessage: "dinkes.kuduskab.go.id is free",
		},
		"a finished claimed request is ignored": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(-time.Hour), Claimed: true, Finished: true, Namespace: "web-dinkes"}}},
			wantOK:      true,
			wantReason:  hostingv1.ReasonNameAvailable,
			wantMessage: "dinkes.kuduskab.go.id is free",
		},
		"a finished earlier and an active earlier: the active one is named": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self, Others: []Request{
				{Name: "a-rejected", Unit: "A", Created: t0.Add(-2 * time.Hour), Finished: true},
				earlierReq,
			}},
			wantReason:  hostingv1.ReasonNameRequested,
			wantMessage: "dinkes.kuduskab.go.id was requested earlier by request dinkes-lama (Puskesmas Jati)",
		},
		"served by an Ingress": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Ingresses: []Object{{Namespace: "lama", Name: "web"}}},
			wantReason:  hostingv1.ReasonNameServedByIngress,
			wantMessage: "dinkes.kuduskab.go.id is already served by Ingress lama/web",
		},
		"served by several Ingresses, listed sorted": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Ingresses: []Object{{Namespace: "zeta", Name: "web"}, {Namespace: "alpha", Name: "site"}, {Name: "no-namespace"}}},
			wantReason:  hostingv1.ReasonNameServedByIngress,
			wantMessage: "dinkes.kuduskab.go.id is already served by Ingress alpha/site, no-namespace, zeta/web",
		},
		"named by a DNSEndpoint": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				DNSEndpoints: []Object{{Namespace: "dns", Name: "dinkes"}}},
			wantReason:  hostingv1.ReasonNameInDNSEndpoint,
			wantMessage: "dinkes.kuduskab.go.id is already named by DNSEndpoint dns/dinkes",
		},
		"in the DNS zone": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				ZoneRecords: []string{"A 192.0.2.10", "AAAA 2001:db8::1"}},
			wantReason:  hostingv1.ReasonNameInDNSZone,
			wantMessage: "dinkes.kuduskab.go.id already has a record in the DNS zone: A 192.0.2.10, AAAA 2001:db8::1",
		},
		"requests come before Ingresses": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self, Others: []Request{earlierReq},
				Ingresses: []Object{{Namespace: "lama", Name: "web"}}},
			wantReason:  hostingv1.ReasonNameRequested,
			wantMessage: "dinkes.kuduskab.go.id was requested earlier by request dinkes-lama (Puskesmas Jati)",
		},
		"Ingresses come before DNSEndpoints and the zone": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Ingresses:    []Object{{Namespace: "lama", Name: "web"}},
				DNSEndpoints: []Object{{Namespace: "dns", Name: "dinkes"}},
				ZoneRecords:  []string{"A 192.0.2.10"}},
			wantReason:  hostingv1.ReasonNameServedByIngress,
			wantMessage: "dinkes.kuduskab.go.id is already served by Ingress lama/web",
		},
		"DNSEndpoints come before the zone": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				DNSEndpoints: []Object{{Namespace: "dns", Name: "dinkes"}},
				ZoneRecords:  []string{"A 192.0.2.10"}},
			wantReason:  hostingv1.ReasonNameInDNSEndpoint,
			wantMessage: "dinkes.kuduskab.go.id is already named by DNSEndpoint dns/dinkes",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var before []Request
			before = append(before, tc.facts.Others...)

			got := Decide(tc.facts)
			want := Result{Available: tc.wantOK, Reason: tc.wantReason, Message: tc.wantMessage}
			// The Indonesian message is checked in TestDecideIndonesian; here only
			// that a taken name has one and a free name none.
			if (got.Pesan == "") != got.Available {
				t.Errorf("Decide().Pesan = %q for Available=%v", got.Pesan, got.Available)
			}
			got.Pesan = ""
			if got != want {
				t.Errorf("Decide() =\n  %+v\nwant\n  %+v", got, want)
			}
			// Decide sorts a copy: the caller's slice keeps its order.
			for i := range before {
				if tc.facts.Others[i] != before[i] {
					t.Errorf("Decide reordered Facts.Others: %v, was %v", tc.facts.Others, before)
					break
				}
			}
		})
	}
}

// TestDecideIndonesian: each reason a name is taken has its Bahasa Indonesia
// rendering, with the same facts, for the Indonesian part of the applicant's mail.
func TestDecideIndonesian(t *testing.T) {
	const fqdn = "dinkes.kuduskab.go.id"
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	self := Request{Name: "dinkes-2026", Unit: "Dinas Kesehatan", Created: t0}
	tests := map[string]struct {
		facts      Facts
		wantReason string
		wantPesan  string
	}{
		"reserved": {
			facts:      Facts{Label: "www", FQDN: "www.kuduskab.go.id", Reserved: true, Self: self},
			wantReason: hostingv1.ReasonNameReserved,
			wantPesan:  "www.kuduskab.go.id termasuk nama yang dicadangkan oleh platform; silakan pilih nama lain",
		},
		"claimed by another request": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(time.Hour), Claimed: true, Namespace: "web-dinkes"}}},
			wantReason: hostingv1.ReasonNameClaimed,
			wantPesan:  "dinkes.kuduskab.go.id sudah diberikan kepada permohonan dinkes-lama (Puskesmas Jati), namespace web-dinkes",
		},
		"requested earlier": {
			facts: Facts{Label: "dinkes", FQDN: fqdn, Self: self,
				Others: []Request{{Name: "dinkes-lama", Unit: "Puskesmas Jati", Created: t0.Add(-time.Hour)}}},
			wantReason: hostingv1.ReasonNameRequested,
			wantPesan:  "dinkes.kuduskab.go.id sudah lebih dahulu dimohon melalui permohonan dinkes-lama (Puskesmas Jati)",
		},
		"served by an Ingress": {
			facts:      Facts{Label: "dinkes", FQDN: fqdn, Self: self, Ingresses: []Object{{Namespace: "lama", Name: "web"}}},
			wantReason: hostingv1.ReasonNameServedByIngress,
			wantPesan:  "dinkes.kuduskab.go.id sudah dilayani oleh Ingress lama/web",
		},
		"named by a DNSEndpoint": {
			facts:      Facts{Label: "dinkes", FQDN: fqdn, Self: self, DNSEndpoints: []Object{{Namespace: "dns", Name: "dinkes"}}},
			wantReason: hostingv1.ReasonNameInDNSEndpoint,
			wantPesan:  "dinkes.kuduskab.go.id sudah tercantum dalam DNSEndpoint dns/dinkes",
		},
		"in the DNS zone": {
			facts:      Facts{Label: "dinkes", FQDN: fqdn, Self: self, ZoneRecords: []string{"A 192.0.2.99"}},
			wantReason: hostingv1.ReasonNameInDNSZone,
			wantPesan:  "dinkes.kuduskab.go.id sudah memiliki record di zona DNS: A 192.0.2.99",
		},
		"free": {
			facts:      Facts{Label: "dinkes", FQDN: fqdn, Self: self},
			wantReason: hostingv1.ReasonNameAvailable,
			wantPesan:  "",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Decide(tc.facts)
			if got.Reason != tc.wantReason || got.Pesan != tc.wantPesan {
				t.Errorf("Decide() = %s %q, want %s %q", got.Reason, got.Pesan, tc.wantReason, tc.wantPesan)
			}
		})
	}
}

func TestObjectString(t *testing.T) {
	tests := map[string]struct {
		obj  Object
		want string
	}{
		"namespaced":   {obj: Object{Namespace: "ns", Name: "n"}, want: "ns/n"},
		"cluster-wide": {obj: Object{Name: "n"}, want: "n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.obj.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}
