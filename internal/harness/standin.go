package harness

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StandIn writes, on the sites' objects, the status that the controllers a real cluster
// runs would write and that a control plane without them (envtest, the demo) never
// gets: the Deployment controller's Available condition (there is no kubelet to run
// the pods), a Gateway controller's Accepted and ResolvedRefs on each HTTPRoute parent,
// an ingress controller's load-balancer address, and cert-manager's Ready on each
// Certificate. It touches only objects named web (web-tls for Certificates) in
// namespaces with the site prefix, and only what is missing, so that it can run beside
// the operator the whole time. Whoever uses it must say so to the user: these parts are
// stood in for, not verified.
type StandIn struct {
	Client client.Client
	// NamespacePrefix selects the site namespaces (e.g. "web-").
	NamespacePrefix string
	// Address is the load-balancer address given to Ingresses.
	Address string

	mu   sync.Mutex
	held map[string]bool
}

// ControllerName is the controllerName the stand-in writes in HTTPRoute parent status.
const ControllerName = "kuduskab.go.id/stand-in"

// Hold leaves the namespaces whose names start with prefix alone until Release: a test
// watches what the operator says while nothing serves there.
func (s *StandIn) Hold(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]bool{}
	}
	s.held[prefix] = true
}

// Release lets the stand-in serve the namespaces of prefix again.
func (s *StandIn) Release(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, prefix)
}

func (s *StandIn) isHeld(namespace string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for prefix := range s.held {
		if strings.HasPrefix(namespace, prefix) {
			return true
		}
	}
	return false
}

// Run passes over the sites every interval until ctx ends. Errors of one pass (a
// conflict with the operator's own write, a kind not installed) are retried at the
// next.
func (s *StandIn) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		_ = s.Pass(ctx, "")
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

var (
	deploymentsGVK  = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DeploymentList"}
	ingressesGVK    = schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "IngressList"}
	httpRoutesGVK   = schema.GroupVersionKind{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRouteList"}
	certificatesGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "CertificateList"}
)

// Pass writes the missing status once, in namespace (all site namespaces when empty);
// a kind the API server does not serve is skipped.
func (s *StandIn) Pass(ctx context.Context, namespace string) error {
	return s.pass(ctx, namespace, nil, false)
}

// Serve writes, in namespace, even when held, the status of the given kinds only
// (Deployment, Ingress, HTTPRoute, Certificate): a test that brings a site up part by
// part.
func (s *StandIn) Serve(ctx context.Context, namespace string, kinds ...string) error {
	return s.pass(ctx, namespace, kinds, true)
}

func (s *StandIn) pass(ctx context.Context, namespace string, kinds []string, evenHeld bool) error {
	var firstErr error
	for _, k := range []struct {
		gvk  schema.GroupVersionKind
		name string
		mark func(*unstructured.Unstructured) bool
	}{
		{deploymentsGVK, "web", s.markDeployment},
		{ingressesGVK, "web", s.markIngress},
		{httpRoutesGVK, "web", s.markHTTPRoute},
		{certificatesGVK, "web-tls", s.markCertificate},
	} {
		if kinds != nil && !slices.Contains(kinds, strings.TrimSuffix(k.gvk.Kind, "List")) {
			continue
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(k.gvk)
		var opts []client.ListOption
		if namespace != "" {
			opts = append(opts, client.InNamespace(namespace))
		}
		if err := s.Client.List(ctx, list, opts...); err != nil {
			if !isNotServed(err) && firstErr == nil {
				firstErr = err
			}
			continue
		}
		for i := range list.Items {
			u := &list.Items[i]
			if u.GetName() != k.name || !strings.HasPrefix(u.GetNamespace(), s.NamespacePrefix) || (!evenHeld && s.isHeld(u.GetNamespace())) ||
				u.GetDeletionTimestamp() != nil || !k.mark(u) {
				continue
			}
			err := s.Client.Status().Update(ctx, u)
			// Serve writes once, when a test asks: a write that met another (the
			// operator's own) is retried on a fresh read rather than dropped, as Run
			// can afford to (it comes back at the next pass).
			for try := 0; apierrors.IsConflict(err) && kinds != nil && try < 10; try++ {
				fresh := &unstructured.Unstructured{}
				fresh.SetGroupVersionKind(u.GroupVersionKind())
				if err = s.Client.Get(ctx, client.ObjectKeyFromObject(u), fresh); err != nil {
					break
				}
				if !k.mark(fresh) {
					err = nil
					break
				}
				err = s.Client.Status().Update(ctx, fresh)
			}
			if err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) && firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// Mark is one step of Pass for an object that the caller follows itself (e.g. by a
// watch) and writes back with Status().Update: if u is one the stand-in serves (a
// Deployment, Ingress or HTTPRoute named web, a Certificate named web-tls, in a site
// namespace that is not held, not being deleted) and its status is missing, Mark sets
// in u the status Pass would write and returns true; otherwise it leaves u alone and
// returns false.
func (s *StandIn) Mark(u *unstructured.Unstructured) bool {
	mark, name := map[string]func(*unstructured.Unstructured) bool{
		"Deployment": s.markDeployment, "Ingress": s.markIngress, "HTTPRoute": s.markHTTPRoute, "Certificate": s.markCertificate,
	}[u.GetKind()], "web"
	if u.GetKind() == "Certificate" {
		name = "web-tls"
	}
	if mark == nil || u.GetName() != name || !strings.HasPrefix(u.GetNamespace(), s.NamespacePrefix) || s.isHeld(u.GetNamespace()) ||
		u.GetDeletionTimestamp() != nil {
		return false
	}
	return mark(u)
}

func isNotServed(err error) bool {
	return apierrors.IsNotFound(err) || strings.Contains(err.Error(), "no matches for kind")
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func hasTrue(u *unstructured.Unstructured, typ string, path ...string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, append(path, "conditions")...)
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ && m["status"] == "True" {
			return true
		}
	}
	return false
}

func condition(typ, reason, message string, generation int64) map[string]any {
	return map[string]any{"type": typ, "status": "True", "reason": reason, "message": message,
		"lastTransitionTime": now(), "observedGeneration": generation}
}

// markDeployment: all replicas available, as the Deployment controller reports once
// the kubelet runs the pods and they pass their readiness probes.
func (s *StandIn) markDeployment(u *unstructured.Unstructured) bool {
	observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if observed >= u.GetGeneration() && hasTrue(u, "Available", "status") {
		return false
	}
	replicas, found, _ := unstructured.NestedInt64(u.Object, "spec", "replicas")
	if !found {
		replicas = 1
	}
	u.Object["status"] = map[string]any{
		"observedGeneration": u.GetGeneration(), "replicas": replicas, "updatedReplicas": replicas,
		"readyReplicas": replicas, "availableReplicas": replicas,
		"conditions": []any{
			map[string]any{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
				"message": "Deployment has minimum availability.", "lastTransitionTime": now(), "lastUpdateTime": now()},
			map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
				"message": "ReplicaSet has successfully progressed.", "lastTransitionTime": now(), "lastUpdateTime": now()},
		},
	}
	return true
}

// markIngress: the address an ingress controller publishes.
func (s *StandIn) markIngress(u *unstructured.Unstructured) bool {
	if lbs, _, _ := unstructured.NestedSlice(u.Object, "status", "loadBalancer", "ingress"); len(lbs) > 0 {
		return false
	}
	u.Object["status"] = map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": s.Address}}}}
	return true
}

// markHTTPRoute: every parent accepts the route and resolves its references, as a
// Gateway controller reports.
func (s *StandIn) markHTTPRoute(u *unstructured.Unstructured) bool {
	refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
	parents, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	if len(parents) == len(refs) {
		done := true
		for _, p := range parents {
			pm, _ := p.(map[string]any)
			conds, _ := pm["conditions"].([]any)
			accepted, resolved := false, false
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["status"] == "True" {
					accepted = accepted || m["type"] == "Accepted"
					resolved = resolved || m["type"] == "ResolvedRefs"
				}
			}
			done = done && accepted && resolved
		}
		if done {
			return false
		}
	}
	var out []any
	for _, r := range refs {
		out = append(out, map[string]any{
			"parentRef":      r,
			"controllerName": ControllerName,
			"conditions": []any{
				condition("Accepted", "Accepted", "Route is accepted (stand-in)", u.GetGeneration()),
				condition("ResolvedRefs", "ResolvedRefs", "All references are resolved (stand-in)", u.GetGeneration()),
			},
		})
	}
	u.Object["status"] = map[string]any{"parents": out}
	return true
}

// markCertificate: issued, as cert-manager reports once the Secret holds a signed
// certificate.
func (s *StandIn) markCertificate(u *unstructured.Unstructured) bool {
	if hasTrue(u, "Ready", "status") {
		return false
	}
	u.Object["status"] = map[string]any{"conditions": []any{
		condition("Ready", "Ready", "Certificate is up to date and has not expired (stand-in)", u.GetGeneration()),
	}}
	return true
}
