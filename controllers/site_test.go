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

// The table's derived views agree with it: what is built, followed and deleted.
func TestSiteTable(t *testing.T) {
	cfg := config.Default()
	sdr := &hostingv1.SubdomainRequest{}
	sdr.Name, sdr.Spec.Subdomain, sdr.Spec.Applicant.Group = "dinkes", "dinkes", "opd:dinkes"
	objs := DesiredObjects(cfg, sdr)
	if len(objs) != len(siteParts) || objs[0].GetName() != "web-dinkes" {
		t.Fatalf("DesiredObjects made %d objects, the first %q", len(objs), objs[0].GetName())
	}
	for i, obj := range objs {
		p := siteParts[i]
		if p.key(cfg, sdr).Name != obj.GetName() || p.key(cfg, sdr).Namespace != obj.GetNamespace() {
			t.Errorf("%s: key %v, built %s/%s", p.kind, p.key(cfg, sdr), obj.GetNamespace(), obj.GetName())
		}
		if apply.KindOf(obj) != p.kind || apply.KindOf(p.newObject()) != p.kind {
			t.Errorf("%s: built a %s, reads into a %s", p.kind, apply.KindOf(obj), apply.KindOf(p.newObject()))
		}
	}
	off := false
	sdr.Spec.Hosting.StarterSite = &off
	if got := len(DesiredObjects(cfg, sdr)); got != len(siteParts)-2 {
		t.Errorf("without the starter site %d objects, want %d", got, len(siteParts)-2)
	}
	var order []string
	for _, p := range deletionOrder() {
		order = append(order, p.kind)
	}
	if !slices.Equal(order, []string{"DNSEndpoint", "Ingress", "Namespace"}) {
		t.Errorf("deletion order %v", order)
	}
	var followed []string
	for _, k := range followedKinds(false) {
		followed = append(followed, k.Name)
	}
	if !slices.Equal(followed, []string{"Ingress", "DNSEndpoint"}) {
		t.Errorf("followed without provisioning: %v", followed)
	}
	if got := len(followedKinds(true)); got != len(siteParts) {
		t.Errorf("followed with provisioning: %d kinds", got)
	}
}
