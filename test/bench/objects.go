package main

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	zone          = "kuduskab.go.id"
	targetIP      = "192.0.2.10"
	clusterIssuer = "letsencrypt-kudus"
	// floorLabel marks the objects the floor measurements create directly. They carry
	// the subdomain label (so the benchmark's watch sees them) but not the request
	// label, so the operator's label-filtered cache never holds them.
	floorLabel = "bench.hosting.kuduskab.go.id/floor"
)

// operatorConfig is the platform configuration the benchmark runs the operator with:
// the e2e suite's, without mail or webhook, i.e. the default platform: routing
// gateway (per site an HTTPRoute on the shared Gateway and, since a clusterIssuer is
// set, a ListenerSet and a cert-manager Certificate; the Gateway's namespace is
// created by setup), written out so that the measured platform does not change
// silently with the defaults. With dnsServer empty the operator does not ask a DNS
// server (DNSReady follows the DNSEndpoint alone). The time standards are a day long
// so that the SLA-breach write a pending request legitimately gets at its deadline
// cannot fall into a measurement window.
func operatorConfig(dnsServer string) string {
	gw := config.Default().Gateway
	s := fmt.Sprintf(`baseDomain: %s
routing: %s
gateway:
  namespace: %s
  name: %s
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
`, zone, config.RoutingGateway, gw.Namespace, gw.Name, targetIP, clusterIssuer)
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

// floorSite returns the objects the operator creates for a site, built by the
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

// siteShape is what the operator makes for one site in the measured configuration,
// read from its own code (controllers.DesiredObjects for a request) rather than
// assumed, so that the benchmark follows the routing mode and TLS: with routing
// gateway and TLS, the Namespace and eleven objects in it (ResourceQuota, LimitRange,
// NetworkPolicy, RoleBinding, ConfigMap, Deployment, Service, Certificate,
// ListenerSet, HTTPRoute, DNSEndpoint).
type siteShape struct {
	// kinds of the site's objects, in creation order (the Namespace first).
	kinds []schema.GroupVersionKind
	// hostKinds: those of kinds that the operator follows in the whole cluster, not
	// only where a request made them, because they serve or publish hosts (the parts
	// with hosts in controllers/site.go: Ingress, HTTPRoute, ListenerSet, DNSEndpoint).
	hostKinds []schema.GroupVersionKind
	// served: the kinds of the objects whose status a controller of the environment
	// writes (the Deployment controller, a Gateway or ingress controller,
	// cert-manager), which the stand-in writes here (harness.StandIn.Mark decides).
	served []schema.GroupVersionKind
}

// objectsPerSite is the Namespace and the objects in it.
func (s siteShape) objectsPerSite() int { return len(s.kinds) }

func newSiteShape(cfg config.Config, marker *harness.StandIn) (siteShape, error) {
	var shape siteShape
	sdr := newRequest("shape", "shape")
	sdr.UID = uuid.NewUUID()
	for _, obj := range controllers.DesiredObjects(cfg, sdr) {
		u, err := toUnstructured(obj)
		if err != nil {
			return shape, err
		}
		gvk := u.GroupVersionKind()
		shape.kinds = append(shape.kinds, gvk)
		switch gvk.Kind {
		case "Ingress", "HTTPRoute", "ListenerSet", "DNSEndpoint":
			shape.hostKinds = append(shape.hostKinds, gvk)
		}
		if marker.Mark(u) {
			shape.served = append(shape.served, gvk)
		}
	}
	if len(shape.kinds) == 0 || shape.kinds[0].Kind != "Namespace" {
		return shape, fmt.Errorf("controllers.DesiredObjects does not start with the Namespace: %v", shape.kinds)
	}
	return shape, nil
}

// toUnstructured converts a typed object (its kind from testenv.Scheme) or returns an
// unstructured one as it is.
func toUnstructured(obj client.Object) (*unstructured.Unstructured, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u, nil
	}
	gvk, err := apiutil.GVKForObject(obj, testenv.Scheme)
	if err != nil {
		return nil, err
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(gvk)
	return u, nil
}

// kindOf names an object's kind.
func kindOf(obj client.Object) string {
	gvk, err := apiutil.GVKForObject(obj, testenv.Scheme)
	if err != nil {
		return fmt.Sprintf("%T", obj)
	}
	return gvk.Kind
}
