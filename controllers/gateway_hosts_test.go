package controllers

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The host rules of ingress-hosts.yaml and host-hijacking.yaml for the Gateway API's
// kinds that serve a host (issue 12): HTTPRoute, GRPCRoute and TLSRoute by their
// hostnames, ListenerSet and Gateway by their listeners' hostnames. Each refusal
// beside its allowed counterpart, against the real API server.

// The names issue 12 gives a site's objects: HTTPRoute and ListenerSet web (SiteName),
// its HTTPS listener https, the Certificate and its Secret web-tls.
const (
	siteListener    = "https"
	siteCertificate = "web-tls"
)

// sharedGateway is the platform's Gateway the sites' routes and ListenerSets attach
// to; the policies never look at it, so it need not exist.
var sharedGateway = gatewayv1.ParentReference{Group: ptr.To(gatewayv1.Group(gatewayv1.GroupName)), Kind: ptr.To(gatewayv1.Kind("Gateway")),
	Namespace: ptr.To(gatewayv1.Namespace("gateway-system")), Name: "shared"}

func httpRoute(namespace, name string, hosts ...string) *gatewayv1.HTTPRoute {
	r := &gatewayv1.HTTPRoute{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: gatewayv1.HTTPRouteSpec{CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{sharedGateway}},
			Rules: []gatewayv1.HTTPRouteRule{{BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{
				BackendObjectReference: gatewayv1.BackendObjectReference{Name: SiteName, Port: ptr.To(gatewayv1.PortNumber(80))}}}}}}}}
	for _, h := range hosts {
		r.Spec.Hostnames = append(r.Spec.Hostnames, gatewayv1.Hostname(h))
	}
	return r
}

// httpsListener is an HTTPS listener serving the site's certificate Secret; an empty
// host leaves the hostname out.
func httpsListener(name, host string) (gatewayv1.SectionName, *gatewayv1.Hostname, *gatewayv1.ListenerTLSConfig) {
	var hostname *gatewayv1.Hostname
	if host != "" {
		hostname = ptr.To(gatewayv1.Hostname(host))
	}
	return gatewayv1.SectionName(name), hostname, &gatewayv1.ListenerTLSConfig{Mode: ptr.To(gatewayv1.TLSModeTerminate),
		CertificateRefs: []gatewayv1.SecretObjectReference{{Group: ptr.To(gatewayv1.Group("")), Kind: ptr.To(gatewayv1.Kind("Secret")), Name: siteCertificate}}}
}

// listenerSet has one HTTPS listener per host, named https, https-1, ...
func listenerSet(namespace, name string, hosts ...string) *gatewayv1.ListenerSet {
	ls := &gatewayv1.ListenerSet{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: gatewayv1.ListenerSetSpec{ParentRef: gatewayv1.ParentGatewayReference{Group: sharedGateway.Group, Kind: sharedGateway.Kind,
			Namespace: sharedGateway.Namespace, Name: sharedGateway.Name}}}
	for i, h := range hosts {
		n, hostname, tls := httpsListener(listenerName(i), h)
		ls.Spec.Listeners = append(ls.Spec.Listeners, gatewayv1.ListenerEntry{Name: n, Hostname: hostname, Port: 443, Protocol: gatewayv1.HTTPSProtocolType, TLS: tls})
	}
	return ls
}

// gateway has one HTTPS listener per host, named https, https-1, ...
func gateway(namespace, name string, hosts ...string) *gatewayv1.Gateway {
	gw := &gatewayv1.Gateway{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: gatewayv1.GatewaySpec{GatewayClassName: "shared"}}
	for i, h := range hosts {
		n, hostname, tls := httpsListener(listenerName(i), h)
		gw.Spec.Listeners = append(gw.Spec.Listeners, gatewayv1.Listener{Name: n, Hostname: hostname, Port: 443, Protocol: gatewayv1.HTTPSProtocolType, TLS: tls})
	}
	return gw
}

func listenerName(i int) string {
	if i == 0 {
		return siteListener
	}
	return fmt.Sprintf("%s-%d", siteListener, i)
}

// certificate is a cert-manager Certificate for a host, stored in Secret web-tls, as
// unstructured (cert-manager is not a dependency of this module).
func certificate(namespace, name, host string) *unstructured.Unstructured {
	c := &unstructured.Unstructured{}
	c.SetGroupVersionKind(testenv.CertificateGVK)
	c.SetNamespace(namespace)
	c.SetName(name)
	c.Object["spec"] = map[string]any{"dnsNames": []any{host}, "secretName": siteCertificate,
		"issuerRef": map[string]any{"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "letsencrypt"}}
	return c
}

// letTenantWriteGatewayAPI gives a site's tenant the Gateway API kinds in its
// namespace, as a platform that lets tenants route would (envtest's edit has none):
// the policies must hold for whoever may write them.
func letTenantWriteGatewayAPI(s site) {
	ExpectWithOffset(1, env.ApplyYAML(ctx, []byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: gateway-api-writer}
rules:
  - apiGroups: ["gateway.networking.k8s.io"]
    resources: ["httproutes", "grpcroutes", "tlsroutes", "listenersets", "gateways"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["cert-manager.io"]
    resources: ["certificates"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
`))).To(Succeed())
	ExpectWithOffset(1, admin.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: s.namespace, Name: "gateway-api-writer"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "gateway-api-writer"},
		Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: "Group", Name: s.request.Spec.Applicant.Group}}})).To(Succeed())
}

// refusedAsForeign: a host granted to another site, from a site namespace, is refused
// by both host policies; the API server answers with whichever it evaluated first.
func refusedAsForeign(err error, what string, from, owner site) {
	ExpectWithOffset(1, err).To(HaveOccurred())
	ExpectWithOffset(1, err.Error()).To(Or(
		ContainSubstring("host "+owner.fqdn+" is granted to SubdomainRequest "+owner.request.Name+" (namespace "+owner.namespace+"); "+
			what+" in namespace "+from.namespace+" cannot serve it"),
		ContainSubstring("host "+owner.fqdn+" is not granted to namespace "+from.namespace+" (it may serve only "+from.fqdn+"); "+
			what+" in namespace "+from.namespace+" cannot serve it")))
}

// The refusals the host rules give, for every kind alike.
func apexRefusal(s site) string {
	return "the apex kuduskab.go.id cannot be served from namespace " + s.namespace +
		": only the platform namespaces in policy-settings legacyNamespaces may serve it"
}

func wildcardRefusal(s site) string {
	return "the wildcard *.kuduskab.go.id would serve names under kuduskab.go.id that nobody granted to namespace " +
		s.namespace + "; name the one host you were granted"
}

// grantedElsewhere is host-hijacking's refusal of owner's host to what, in namespace.
func grantedElsewhere(owner site, what, namespace string) string {
	return "host " + owner.fqdn + " is granted to SubdomainRequest " + owner.request.Name + " (namespace " + owner.namespace + "); " +
		what + " in namespace " + namespace + " cannot serve it"
}

var _ = Describe("Gateway API hosts under the base domain", func() {
	var a, b site
	BeforeEach(func() {
		a = provisionAsOperator("gw-a")
		b = provisionAsOperator("gw-b")
		letTenantWriteGatewayAPI(a)
	})

	// With routing: gateway, provisionAsOperator has already made the site's own
	// objects as the operator (DesiredObjects); these have the same shape and other
	// names, so that the test holds whatever the suite's routing.
	It("a site's own HTTPRoute, ListenerSet and Certificate, shaped as the operator makes them, are admitted; its tenant serves its own host", func() {
		ls := listenerSet(a.namespace, "own-listeners", a.fqdn)
		route := httpRoute(a.namespace, "own-route", a.fqdn)
		route.Spec.ParentRefs = append(route.Spec.ParentRefs, gatewayv1.ParentReference{Group: ptr.To(gatewayv1.Group(gatewayv1.GroupName)),
			Kind: ptr.To(gatewayv1.Kind("ListenerSet")), Name: gatewayv1.ObjectName(ls.Name), SectionName: ptr.To(gatewayv1.SectionName(siteListener))})
		Expect(operatorSA.Create(ctx, certificate(a.namespace, "own-tls", a.fqdn))).To(Succeed())
		Expect(operatorSA.Create(ctx, ls)).To(Succeed())
		Expect(operatorSA.Create(ctx, route)).To(Succeed())
		// An update goes through the same rules.
		route.Spec.Hostnames = []gatewayv1.Hostname{gatewayv1.Hostname(b.fqdn)}
		refusedAsForeign(operatorSA.Update(ctx, route), "an HTTPRoute", a, b)

		Expect(a.tenant.Create(ctx, httpRoute(a.namespace, "blog", a.fqdn))).To(Succeed())
		Expect(a.tenant.Create(ctx, listenerSet(a.namespace, "extra", a.fqdn))).To(Succeed())
	})

	DescribeTable("an HTTPRoute in a site namespace cannot serve what the namespace was not granted",
		func(route func(a site) *gatewayv1.HTTPRoute, message func(a site) string) {
			refused(a.tenant.Create(ctx, route(a)), message(a))
		},
		Entry("the apex",
			func(a site) *gatewayv1.HTTPRoute { return httpRoute(a.namespace, "apex", "kuduskab.go.id") },
			func(a site) string {
				return apexRefusal(a)
			}),
		Entry("a wildcard",
			func(a site) *gatewayv1.HTTPRoute { return httpRoute(a.namespace, "wild", a.fqdn, "*.kuduskab.go.id") },
			func(a site) string {
				return wildcardRefusal(a)
			}),
		Entry("a wildcard under its own host",
			func(a site) *gatewayv1.HTTPRoute { return httpRoute(a.namespace, "wild-own", "*."+a.fqdn) },
			func(a site) string {
				return "the wildcard *." + a.fqdn + " would serve names under kuduskab.go.id that nobody granted to namespace " + a.namespace
			}),
		Entry("a name of two labels under its own",
			func(a site) *gatewayv1.HTTPRoute { return httpRoute(a.namespace, "deep", "x."+a.fqdn) },
			func(a site) string {
				return "host x." + a.fqdn + " has more than one label under kuduskab.go.id; a site gets exactly one name, <subdomain>.kuduskab.go.id"
			}),
		Entry("a reserved name",
			func(a site) *gatewayv1.HTTPRoute { return httpRoute(a.namespace, "www", "www.kuduskab.go.id") },
			func(a site) string {
				return "host www.kuduskab.go.id is reserved by the platform and cannot be served from namespace " + a.namespace
			}),
		Entry("a pending name nobody was granted, with the pending request's label (squatting)",
			func(a site) *gatewayv1.HTTPRoute {
				r := httpRoute(a.namespace, "squat", "dinsos.kuduskab.go.id")
				r.Labels = map[string]string{hostingv1.RequestLabel: "dinsos", hostingv1.SubdomainLabel: "dinsos"}
				return r
			},
			func(a site) string {
				return "host dinsos.kuduskab.go.id is not granted to namespace " + a.namespace + " (it may serve only " + a.fqdn + "); an HTTPRoute in namespace " + a.namespace + " cannot serve it"
			}),
		Entry("no hostnames (it would take every hostname of its listeners)",
			func(a site) *gatewayv1.HTTPRoute { return httpRoute(a.namespace, "nohost") },
			func(a site) string {
				return "an HTTPRoute in site namespace " + a.namespace + " must name its host: a route without hostnames takes every hostname of the listeners it attaches to"
			}),
	)

	It("refuses another site's granted host to an HTTPRoute, in a site namespace and in a legacy one", func() {
		refusedAsForeign(a.tenant.Create(ctx, httpRoute(a.namespace, "steal", b.fqdn)), "an HTTPRoute", a, b)
		refused(admin.Create(ctx, httpRoute(legacyNamespace, uniqueName("steal"), b.fqdn)),
			grantedElsewhere(b, "an HTTPRoute", legacyNamespace))
		// Allowed: a legacy namespace's host nobody was granted; a host outside the base domain.
		Expect(admin.Create(ctx, httpRoute(legacyNamespace, uniqueName("legacy"), uniqueName("warisan")+".kuduskab.go.id"))).To(Succeed())
		Expect(a.tenant.Create(ctx, httpRoute(a.namespace, "elsewhere", "portal.example.org"))).To(Succeed())
	})

	It("refuses another site's granted host to a GRPCRoute and a TLSRoute", func() {
		grpc := &gatewayv1.GRPCRoute{ObjectMeta: metav1.ObjectMeta{Namespace: a.namespace, Name: "steal"},
			Spec: gatewayv1.GRPCRouteSpec{CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{sharedGateway}},
				Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(b.fqdn)}}}
		refusedAsForeign(a.tenant.Create(ctx, grpc), "a GRPCRoute", a, b)
		tls := &gatewayv1.TLSRoute{ObjectMeta: metav1.ObjectMeta{Namespace: a.namespace, Name: "steal"},
			Spec: gatewayv1.TLSRouteSpec{CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{sharedGateway}},
				Hostnames: []gatewayv1.Hostname{gatewayv1.Hostname(b.fqdn)},
				Rules: []gatewayv1.TLSRouteRule{{BackendRefs: []gatewayv1.BackendRef{{BackendObjectReference: gatewayv1.BackendObjectReference{
					Name: SiteName, Port: ptr.To(gatewayv1.PortNumber(443))}}}}}}}
		refusedAsForeign(a.tenant.Create(ctx, tls), "a TLSRoute", a, b)
		grpc.Name, grpc.Spec.Hostnames = "own", []gatewayv1.Hostname{gatewayv1.Hostname(a.fqdn)}
		Expect(a.tenant.Create(ctx, grpc)).To(Succeed())
	})

	It("refuses a ListenerSet another site's granted host, the apex, a wildcard or a listener without hostname", func() {
		refusedAsForeign(a.tenant.Create(ctx, listenerSet(a.namespace, "steal", a.fqdn, b.fqdn)), "a ListenerSet", a, b)
		refused(admin.Create(ctx, listenerSet(legacyNamespace, uniqueName("steal"), b.fqdn)),
			grantedElsewhere(b, "a ListenerSet", legacyNamespace))
		refused(a.tenant.Create(ctx, listenerSet(a.namespace, "apex", "kuduskab.go.id")),
			apexRefusal(a))
		refused(a.tenant.Create(ctx, listenerSet(a.namespace, "wild", "*.kuduskab.go.id")),
			wildcardRefusal(a))
		refused(a.tenant.Create(ctx, listenerSet(a.namespace, "nohost", a.fqdn, "")),
			"a ListenerSet in site namespace "+a.namespace+" must name its host: listener https-1 has no hostname and would catch every host the gateway receives")
		// Allowed: its own host (and the operator's, in the test above).
		Expect(a.tenant.Create(ctx, listenerSet(a.namespace, "own", a.fqdn))).To(Succeed())
	})

	// With a DNS-01 issuer cert-manager issues a certificate without the host being
	// served, so a Certificate is held to the same rules (cert-manager's chart gives
	// edit the right to write them).
	It("refuses a Certificate for another site's granted host, the apex or a wildcard; its own is admitted", func() {
		refusedAsForeign(a.tenant.Create(ctx, certificate(a.namespace, "steal", b.fqdn)), "a Certificate", a, b)
		refused(admin.Create(ctx, certificate(legacyNamespace, uniqueName("steal"), b.fqdn)),
			grantedElsewhere(b, "a Certificate", legacyNamespace))
		refused(a.tenant.Create(ctx, certificate(a.namespace, "apex", "kuduskab.go.id")),
			apexRefusal(a))
		refused(a.tenant.Create(ctx, certificate(a.namespace, "wild", "*.kuduskab.go.id")),
			wildcardRefusal(a))
		// The commonName counts as a host too.
		withCN := certificate(a.namespace, "cn", a.fqdn)
		Expect(unstructured.SetNestedField(withCN.Object, b.fqdn, "spec", "commonName")).To(Succeed())
		refusedAsForeign(a.tenant.Create(ctx, withCN), "a Certificate", a, b)
		// Allowed: its own host, and a host outside the base domain.
		Expect(a.tenant.Create(ctx, certificate(a.namespace, "own-cert", a.fqdn))).To(Succeed())
		Expect(a.tenant.Create(ctx, certificate(a.namespace, "other-domain", "portal.example.org"))).To(Succeed())
	})

	It("refuses a Gateway another site's granted host, anywhere; a platform Gateway without hostnames is admitted", func() {
		refusedAsForeign(a.tenant.Create(ctx, gateway(a.namespace, "steal", b.fqdn)), "a Gateway", a, b)
		refused(admin.Create(ctx, gateway(legacyNamespace, uniqueName("steal"), b.fqdn)),
			grantedElsewhere(b, "a Gateway", legacyNamespace))
		refused(a.tenant.Create(ctx, gateway(a.namespace, "catchall", "")),
			"a Gateway in site namespace "+a.namespace+" must name its host: listener https has no hostname and would catch every host the gateway receives")
		// Allowed: the platform's shared Gateway (its site listeners come from the sites'
		// ListenerSets), a legacy namespace's Gateway for a host nobody was granted, and
		// a site's Gateway for its own host.
		Expect(admin.Create(ctx, gateway(legacyNamespace, uniqueName("shared"), ""))).To(Succeed())
		Expect(admin.Create(ctx, gateway(legacyNamespace, uniqueName("legacy"), uniqueName("warisan")+".kuduskab.go.id"))).To(Succeed())
		Expect(a.tenant.Create(ctx, gateway(a.namespace, "own", a.fqdn))).To(Succeed())
	})
})
