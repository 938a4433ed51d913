package readiness

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(kind, name string, generation int64, spec, status map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"kind": kind, "spec": spec, "status": status}}
	u.SetName(name)
	u.SetNamespace("web-dinkes")
	u.SetGeneration(generation)
	return u
}

func statusCondition(typ, status, reason, message string) map[string]any {
	return map[string]any{"type": typ, "status": status, "reason": reason, "message": message}
}

func TestDeployment(t *testing.T) {
	tests := map[string]struct {
		u    *unstructured.Unstructured
		want string
	}{
		"available": {obj("Deployment", "web", 2, map[string]any{"replicas": int64(1)},
			map[string]any{"observedGeneration": int64(2), "availableReplicas": int64(1), "conditions": []any{statusCondition("Available", "True", "MinimumReplicasAvailable", "")}}), ""},
		"never seen by its controller": {obj("Deployment", "web", 1, nil, nil),
			"Deployment web is not rolled out yet: the Deployment controller has not seen its latest version"},
		"a new version not yet seen, though the old one was available": {obj("Deployment", "web", 3, nil,
			map[string]any{"observedGeneration": int64(2), "conditions": []any{statusCondition("Available", "True", "MinimumReplicasAvailable", "")}}),
			"Deployment web is not rolled out yet: the Deployment controller has not seen its latest version"},
		"pods not ready": {obj("Deployment", "web", 1, map[string]any{"replicas": int64(2)},
			map[string]any{"observedGeneration": int64(1), "availableReplicas": int64(0),
				"conditions": []any{statusCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")}}),
			"Deployment web has 0 of 2 replicas available; MinimumReplicasUnavailable: Deployment does not have minimum availability."},
		"stuck past its progress deadline": {obj("Deployment", "web", 1, nil,
			map[string]any{"observedGeneration": int64(1), "conditions": []any{
				statusCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
				statusCondition("Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "web-5d4" has timed out progressing.`)}}),
			`Deployment web has 0 of 1 replicas available; ProgressDeadlineExceeded: ReplicaSet "web-5d4" has timed out progressing.`},
		"no conditions yet": {obj("Deployment", "web", 1, nil, map[string]any{"observedGeneration": int64(1)}),
			"Deployment web has 0 of 1 replicas available (its pods are not running or not ready: kubectl get pods -n web-dinkes)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Deployment(tc.u); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestIngress(t *testing.T) {
	tests := map[string]struct {
		status map[string]any
		want   string
	}{
		"an IP":       {map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"ip": "203.0.113.10"}}}}, ""},
		"a host name": {map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{"hostname": "lb.example"}}}}, ""},
		"no address": {map[string]any{"loadBalancer": map[string]any{}},
			"Ingress web has no address yet: no ingress controller has taken it up (status.loadBalancer is empty; check its ingressClassName)"},
		"an empty entry": {map[string]any{"loadBalancer": map[string]any{"ingress": []any{map[string]any{}}}},
			"Ingress web has no address yet: no ingress controller has taken it up (status.loadBalancer is empty; check its ingressClassName)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Ingress(obj("Ingress", "web", 1, nil, tc.status)); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestHTTPRoute(t *testing.T) {
	gateway := map[string]any{"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": "gateway-system", "name": "sites"}
	listenerSet := map[string]any{"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "web", "sectionName": "https"}
	spec := map[string]any{"parentRefs": []any{gateway, listenerSet}}
	parent := func(ref map[string]any, conds ...any) map[string]any {
		return map[string]any{"parentRef": ref, "controllerName": "example.net/gateway", "conditions": conds}
	}
	accepted, resolved := statusCondition("Accepted", "True", "Accepted", ""), statusCondition("ResolvedRefs", "True", "ResolvedRefs", "")
	tests := map[string]struct {
		status map[string]any
		want   string
	}{
		"both parents accept": {map[string]any{"parents": []any{parent(gateway, accepted, resolved), parent(listenerSet, accepted, resolved)}}, ""},
		"no status yet": {nil, "HTTPRoute web is not accepted by every parent: Gateway gateway-system/sites has not taken it up yet (no status from its controller); " +
			"ListenerSet web-dinkes/web (https) has not taken it up yet (no status from its controller)"},
		"refused by the Gateway": {map[string]any{"parents": []any{
			parent(gateway, statusCondition("Accepted", "False", "NotAllowedByListeners", "no listener allows routes from namespace web-dinkes"), resolved),
			parent(listenerSet, accepted, resolved)}},
			"HTTPRoute web is not accepted by every parent: Gateway gateway-system/sites: not Accepted: NotAllowedByListeners: no listener allows routes from namespace web-dinkes"},
		"a backend that does not resolve": {map[string]any{"parents": []any{
			parent(gateway, accepted, statusCondition("ResolvedRefs", "False", "BackendNotFound", "Service web not found")),
			parent(listenerSet, accepted, resolved)}},
			"HTTPRoute web is not accepted by every parent: Gateway gateway-system/sites: references not resolved: BackendNotFound: Service web not found"},
		// Several controllers may write parent status; one accepting is enough.
		"one of two controllers accepts": {map[string]any{"parents": []any{
			parent(gateway, statusCondition("Accepted", "False", "NotAllowedByListeners", "")), parent(gateway, accepted, resolved),
			parent(listenerSet, accepted, resolved)}}, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := HTTPRoute(obj("HTTPRoute", "web", 1, spec, tc.status)); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	if got := HTTPRoute(obj("HTTPRoute", "web", 1, map[string]any{}, nil)); got != "HTTPRoute web has no parentRefs" {
		t.Errorf("without parentRefs: %q", got)
	}
}

func TestCertificate(t *testing.T) {
	tests := map[string]struct {
		status map[string]any
		want   string
	}{
		"issued": {map[string]any{"conditions": []any{statusCondition("Ready", "True", "Ready", "Certificate is up to date and has not expired")}}, ""},
		"not processed": {nil,
			"Certificate web-tls has no status yet: cert-manager has not processed it (is cert-manager running, and does its issuer exist?)"},
		"failing": {map[string]any{"conditions": []any{statusCondition("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist")}},
			"Certificate web-tls is not Ready: DoesNotExist: Issuing certificate as Secret does not exist"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Certificate(obj("Certificate", "web-tls", 1, nil, tc.status)); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
