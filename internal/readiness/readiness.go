// Package readiness reads, from the status their own controllers write, whether the
// parts of a site serve: the Deployment (the Deployment controller's Available
// condition), the Ingress (the ingress controller's load-balancer address), the
// HTTPRoute (each parent Gateway's Accepted and ResolvedRefs) and the cert-manager
// Certificate (its Ready condition). Each function returns "" when the part serves,
// else what is missing, in words an applicant or the platform team can act on.
//
// The objects are read as unstructured: the operator's site store receives them so,
// and cert-manager's Go module would bring its cloud SDKs into this module's graph for
// the five fields read here.
package readiness

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Deployment serves when its controller reports Available=True for its current
// generation.
func Deployment(u *unstructured.Unstructured) string {
	name := "Deployment " + u.GetName()
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if observed < u.GetGeneration() {
		return name + " is not rolled out yet: the Deployment controller has not seen its latest version"
	}
	want, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if !found {
		want = 1
	}
	available, _, _ := unstructured.NestedInt64(u.Object, "status", "availableReplicas")
	c := condition(u, "Available")
	if c != nil && c.status == "True" {
		return ""
	}
	msg := fmt.Sprintf("%s has %d of %d replicas available", name, available, want)
	if p := condition(u, "Progressing"); p != nil && p.status == "False" {
		return msg + "; " + p.describe()
	}
	if c != nil && c.message != "" {
		return msg + "; " + c.describe()
	}
	return msg + " (its pods are not running or not ready: kubectl get pods -n " + u.GetNamespace() + ")"
}

// Ingress serves when the ingress controller has published an address in
// status.loadBalancer.
func Ingress(u *unstructured.Unstructured) string {
	lbs, _, _ := unstructured.NestedSlice(u.Object, "status", "loadBalancer", "ingress")
	for _, lb := range lbs {
		if m, ok := lb.(map[string]any); ok && (m["ip"] != nil || m["hostname"] != nil) {
			return ""
		}
	}
	return "Ingress " + u.GetName() + " has no address yet: no ingress controller has taken it up (status.loadBalancer is empty; check its ingressClassName)"
}

// HTTPRoute serves when every parentRef of the route has, from the Gateway's
// controller, a parent status with Accepted=True and ResolvedRefs=True.
func HTTPRoute(u *unstructured.Unstructured) string {
	refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
	parents, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	var missing []string
	for _, r := range refs {
		ref, ok := r.(map[string]any)
		if !ok {
			continue
		}
		want := parentKey(ref, u.GetNamespace())
		var st *parentStatus
		for _, p := range parents {
			pm, ok := p.(map[string]any)
			if !ok {
				continue
			}
			pr, _ := pm["parentRef"].(map[string]any)
			if parentKey(pr, u.GetNamespace()) == want {
				st = newParentStatus(pm)
				if st.ok() {
					break
				}
			}
		}
		switch {
		case st == nil:
			missing = append(missing, fmt.Sprintf("%s has not taken it up yet (no status from its controller)", want))
		case !st.ok():
			missing = append(missing, fmt.Sprintf("%s: %s", want, st.why()))
		}
	}
	if len(refs) == 0 {
		return "HTTPRoute " + u.GetName() + " has no parentRefs"
	}
	if len(missing) == 0 {
		return ""
	}
	return "HTTPRoute " + u.GetName() + " is not accepted by every parent: " + strings.Join(missing, "; ")
}

// Certificate serves when cert-manager's Ready condition is True.
func Certificate(u *unstructured.Unstructured) string {
	c := condition(u, "Ready")
	switch {
	case c == nil:
		return "Certificate " + u.GetName() + " has no status yet: cert-manager has not processed it (is cert-manager running, and does its issuer exist?)"
	case c.status == "True":
		return ""
	default:
		return "Certificate " + u.GetName() + " is not Ready: " + c.describe()
	}
}

type cond struct{ status, reason, message string }

func (c *cond) describe() string {
	if c.message == "" {
		return c.reason
	}
	return c.reason + ": " + c.message
}

// condition finds the status condition of type t.
func condition(u *unstructured.Unstructured, t string) *cond {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	return findCondition(conds, t)
}

func findCondition(conds []any, t string) *cond {
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != t {
			continue
		}
		s, _ := m["status"].(string)
		r, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		return &cond{status: s, reason: r, message: msg}
	}
	return nil
}

// parentKey names a parent reference with the API's defaults filled in: kind Gateway,
// the route's own namespace.
func parentKey(ref map[string]any, routeNamespace string) string {
	str := func(k, def string) string {
		if s, ok := ref[k].(string); ok && s != "" {
			return s
		}
		return def
	}
	key := str("kind", "Gateway") + " " + str("namespace", routeNamespace) + "/" + str("name", "")
	if s := str("sectionName", ""); s != "" {
		key += " (" + s + ")"
	}
	return key
}

type parentStatus struct{ accepted, resolved *cond }

func newParentStatus(p map[string]any) *parentStatus {
	conds, _ := p["conditions"].([]any)
	return &parentStatus{accepted: findCondition(conds, "Accepted"), resolved: findCondition(conds, "ResolvedRefs")}
}

func (p *parentStatus) ok() bool {
	return p.accepted != nil && p.accepted.status == "True" && p.resolved != nil && p.resolved.status == "True"
}

func (p *parentStatus) why() string {
	switch {
	case p.accepted == nil:
		return "no Accepted condition yet"
	case p.accepted.status != "True":
		return "not Accepted: " + p.accepted.describe()
	case p.resolved == nil:
		return "no ResolvedRefs condition yet"
	default:
		return "references not resolved: " + p.resolved.describe()
	}
}
