package main

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

const (
	zone          = "kuduskab.go.id"
	targetIP      = "192.0.2.10"
	clusterIssuer = "letsencrypt-kudus"
	// floorLabel marks the objects the floor measurements create directly. They carry
	// the subdomain label (so the benchmark's watch sees them) but not the request
	// label, so the operator's label-filtered cache never holds them.
	floorLabel = "bench.hosting.kuduskab.go.id/floor"
	// childrenPerSite is the Namespace plus the nine objects inside it.
	childrenPerSite = 10
)

// operatorConfig is the platform configuration the benchmark runs the operator with:
// the e2e suite's, without mail or webhook. With dnsServer empty the operator does
// not ask a DNS server (DNSReady follows the DNSEndpoint alone). The time standards
// are a day long so that the SLA-breach write a pending request legitimately gets at
// its deadline cannot fall into a measurement window.
func operatorConfig(dnsServer string) string {
	s := fmt.Sprintf(`baseDomain: %s
ingressClassName: nginx
ingressTarget:
  ips: [%s]
clusterIssuer: %s
recordTTL: 60
timeStandards:
  submission: 24h
  kepalaDinas: 24h
  kepalaBidang: 24h
  kepalaSeksi: 24h
  provisioning: 24h
`, zone, targetIP, clusterIssuer)
	if dnsServer != "" {
		s += fmt.Sprintf("dns:\n  servers: [%q]\n  timeout: 1s\n", dnsServer)
	}
	return s
}

// newRequest is a complete request as an applicant unit files it.
func newRequest(name, subdomain string) *hostingv1.SubdomainRequest {
	return &hostingv1.SubdomainRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: hostingv1.SubdomainRequestSpec{
			Subdomain: subdomain,
			Applicant: hostingv1.Applicant{
				Unit: "Dinas Uji " + name, ContactName: "Siti Aminah", Position: "Kepala Subbagian Umum",
				Email: "uji@kuduskab.go.id", Group: "opd:bench",
			},
			Letter:  hostingv1.Letter{Number: "555/" + name + "/2026", Date: "2026-11-28"},
			Purpose: "Uji beban operator",
			Hosting: hostingv1.Hosting{Plan: hostingv1.PlanSmall, StarterSite: ptr.To(true)},
		},
	}
}

// approvalPatch is what `kubectl annotate sdr <name> approval...=<user>` sends: a JSON
// merge patch of one annotation.
func approvalPatch(role hostingv1.Role, user string) client.Patch {
	data, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{hostingv1.ApprovalAnnotation(role): user}}})
	return client.RawPatch(types.MergePatchType, data)
}

func sdrRef(name string) *hostingv1.SubdomainRequest {
	return &hostingv1.SubdomainRequest{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// floorSite returns the ten objects the operator creates for a site, built by the
// operator's own code (controllers.DesiredObjects), for the floor: created directly,
// without the operator. The request label is swapped for the floor's label so that
// the operator's label-filtered cache never holds them.
func floorSite(cfg config.Config, subdomain, tag string) []client.Object {
	sdr := newRequest(subdomain, subdomain)
	sdr.UID = uuid.NewUUID()
	objs := controllers.DesiredObjects(cfg, sdr)
	for _, o := range objs {
		labels := map[string]string{floorLabel: tag}
		for k, v := range o.GetLabels() {
			if k != hostingv1.RequestLabel {
				labels[k] = v
			}
		}
		o.SetLabels(labels)
	}
	return objs
}

// floorDNSEndpoint is a DNSEndpoint like the operator's, for warming external-dns up.
func floorDNSEndpoint(meta metav1.ObjectMeta, fqdn string, ttl int64) *externaldnsv1.DNSEndpoint {
	return &externaldnsv1.DNSEndpoint{ObjectMeta: meta, Spec: externaldnsv1.DNSEndpointSpec{Endpoints: []*endpoint.Endpoint{{
		DNSName: fqdn, RecordTTL: endpoint.TTL(ttl), RecordType: endpoint.RecordTypeA, Targets: endpoint.Targets{targetIP},
	}}}}
}
