package controllers

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/apply"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// Every kind of the site table has its RBAC (the markers beside the table, generated
// into config/rbac/role.yaml): a kind added without its marker fails here, not in a
// cluster.
func TestEveryPartHasItsRBAC(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "config", "rbac", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(data, &role); err != nil {
		t.Fatal(err)
	}
	allowed := func(group, resource, verb string) bool {
		for _, r := range role.Rules {
			if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) && len(r.ResourceNames) == 0 {
				return true
			}
		}
		return false
	}
	for _, p := range siteParts {
		for _, verb := range []string{"get", "list", "watch", "create", "patch", "delete"} {
			if !allowed(p.gvr.Group, p.gvr.Resource, verb) {
				t.Errorf("%s: the operator's role lacks %s on %s.%s", p.kind, verb, p.gvr.Resource, p.gvr.Group)
			}
		}
	}
}

// The table's derived views agree with it, in each routing mode with and without TLS:
// what is built, followed and deleted.
func TestSiteTable(t *testing.T) {
	sdr := &hostingv1.SubdomainRequest{}
	sdr.Name, sdr.Spec.Subdomain, sdr.Spec.Applicant.Group = "dinkes", "dinkes", "opd:dinkes"
	common := []string{"Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy", "RoleBinding", "ConfigMap", "Deployment", "Service"}
	tests := map[string]struct {
		routing, issuer       string
		built, deleted, hosts []string
	}{
		"gateway with TLS": {config.RoutingGateway, "letsencrypt",
			append(slices.Clone(common), "Certificate", "ListenerSet", "HTTPRoute", "DNSEndpoint"),
			[]string{"DNSEndpoint", "Ingress", "ListenerSet", "HTTPRoute", "Namespace"}, []string{"Ingress", "ListenerSet", "HTTPRoute", "DNSEndpoint"}},
		"gateway without TLS": {config.RoutingGateway, "",
			append(slices.Clone(common), "HTTPRoute", "DNSEndpoint"),
			[]string{"DNSEndpoint", "Ingress", "ListenerSet", "HTTPRoute", "Namespace"}, []string{"Ingress", "ListenerSet", "HTTPRoute", "DNSEndpoint"}},
		"ingress with TLS": {config.RoutingIngress, "letsencrypt",
			append(slices.Clone(common), "Certificate", "Ingress", "DNSEndpoint"),
			[]string{"DNSEndpoint", "Ingress", "ListenerSet", "HTTPRoute", "Namespace"}, []string{"Ingress", "DNSEndpoint"}},
		"ingress without TLS": {config.RoutingIngress, "",
			append(slices.Clone(common), "Ingress", "DNSEndpoint"),
			[]string{"DNSEndpoint", "Ingress", "ListenerSet", "HTTPRoute", "Namespace"}, []string{"Ingress", "DNSEndpoint"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Routing, cfg.ClusterIssuer, cfg.IngressNamespace = tc.routing, tc.issuer, "ingress-system"
			var built []string
			for _, obj := range DesiredObjects(cfg, sdr) {
				p := partOf(apply.KindOf(obj))
				built = append(built, p.kind)
				if p.key(cfg, sdr).Name != obj.GetName() || p.key(cfg, sdr).Namespace != obj.GetNamespace() {
					t.Errorf("%s: key %v, built %s/%s", p.kind, p.key(cfg, sdr), obj.GetNamespace(), obj.GetName())
				}
				if apply.KindOf(p.newObject()) != p.kind {
					t.Errorf("%s: reads into a %s", p.kind, apply.KindOf(p.newObject()))
				}
			}
			if !slices.Equal(built, tc.built) {
				t.Errorf("built %v, want %v", built, tc.built)
			}
			var order []string
			for _, p := range deletionOrder() {
				order = append(order, p.kind)
			}
			if !slices.Equal(order, tc.deleted) {
				t.Errorf("deletion order %v, want %v", order, tc.deleted)
			}
			var followed []string
			for _, k := range followedKinds(cfg, false) {
				followed = append(followed, k.Name)
			}
			if !slices.Equal(followed, tc.hosts) {
				t.Errorf("followed without provisioning: %v, want %v", followed, tc.hosts)
			}
			if got, want := len(followedKinds(cfg, true)), len(partsFor(cfg)); got != want {
				t.Errorf("followed with provisioning: %d kinds, want %d", got, want)
			}
			off := false
			starterless := sdr.DeepCopy()
			starterless.Spec.Hosting.StarterSite = &off
			if got := len(DesiredObjects(cfg, starterless)); got != len(tc.built)-2 {
				t.Errorf("without the starter site %d objects, want %d", got, len(tc.built)-2)
			}
		})
	}
}
