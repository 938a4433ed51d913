package sitestore

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	sjson "sigs.k8s.io/json"

	"github.com/kudus-diskominfo/subdomain-operator/internal/jsonwatch"
)

// jsonWatcher opens watches of gvr decoded in one pass each, straight into pruned
// unstructured objects: the kinds the store reads with their spec or status (those
// with hosts or a readiness: Deployment, Ingress, Certificate, HTTPRoute, ListenerSet,
// DNSEndpoint).
func jsonWatcher(config *rest.Config, gvr schema.GroupVersionResource) (func(context.Context, metav1.ListOptions) (watch.Interface, error), error) {
	return jsonwatch.Watcher(config, gvr, decodeUnstructuredEvent)
}

type jsonEvent struct {
	Type   watch.EventType `json:"type"`
	Object *prunedObject   `json:"object"`
}

// prunedObject is what the store reads of an object (entryOf, a Kind's Hosts and
// Ready): the metadata without managedFields, the status, and of the spec only the
// fields named here. The decoder skips the rest without building it: a Deployment's
// pod template, every object's managedFields. In a restart at 10,000 sites, decoding
// these kinds whole into maps was 4.4 of the operator's 32 CPU seconds, and more in
// the garbage collector (docs/benchmarks.md).
type prunedObject struct {
	APIVersion string      `json:"apiVersion,omitempty"`
	Kind       string      `json:"kind,omitempty"`
	Metadata   prunedMeta  `json:"metadata"`
	Spec       *prunedSpec `json:"spec,omitempty"`
	Status     any         `json:"status,omitempty"`
	// A watch's ERROR event carries the API server's Status.
	Code    int32                 `json:"code,omitempty"`
	Reason  metav1.StatusReason   `json:"reason,omitempty"`
	Message string                `json:"message,omitempty"`
	Details *metav1.StatusDetails `json:"details,omitempty"`
}

type prunedMeta struct {
	Name              string `json:"name,omitempty"`
	Namespace         string `json:"namespace,omitempty"`
	UID               string `json:"uid,omitempty"`
	ResourceVersion   string `json:"resourceVersion,omitempty"`
	Generation        int64  `json:"generation,omitempty"`
	Labels            any    `json:"labels,omitempty"`
	Annotations       any    `json:"annotations,omitempty"`
	OwnerReferences   any    `json:"ownerReferences,omitempty"`
	DeletionTimestamp any    `json:"deletionTimestamp,omitempty"`
}

// prunedSpec are the spec fields a Kind's Hosts or Ready reads: Ingress and HTTPRoute
// rules, DNSEndpoint endpoints, HTTPRoute hostnames and parentRefs, ListenerSet
// listeners, Deployment replicas. A Kind that reads another must add it here.
type prunedSpec struct {
	Replicas   any `json:"replicas,omitempty"`
	Rules      any `json:"rules,omitempty"`
	Endpoints  any `json:"endpoints,omitempty"`
	Hostnames  any `json:"hostnames,omitempty"`
	Listeners  any `json:"listeners,omitempty"`
	ParentRefs any `json:"parentRefs,omitempty"`
}

// unstructured is the pruned object as the map an unstructured object holds, with
// only the fields present.
func (o *prunedObject) unstructured() *unstructured.Unstructured {
	m := map[string]any{}
	set := func(into map[string]any, key string, v any) {
		switch x := v.(type) {
		case nil:
		case string:
			if x != "" {
				into[key] = x
			}
		case int64:
			if x != 0 {
				into[key] = x
			}
		default:
			into[key] = v
		}
	}
	set(m, "apiVersion", o.APIVersion)
	set(m, "kind", o.Kind)
	md := map[string]any{}
	set(md, "name", o.Metadata.Name)
	set(md, "namespace", o.Metadata.Namespace)
	set(md, "uid", o.Metadata.UID)
	set(md, "resourceVersion", o.Metadata.ResourceVersion)
	set(md, "generation", o.Metadata.Generation)
	set(md, "labels", o.Metadata.Labels)
	set(md, "annotations", o.Metadata.Annotations)
	set(md, "ownerReferences", o.Metadata.OwnerReferences)
	set(md, "deletionTimestamp", o.Metadata.DeletionTimestamp)
	m["metadata"] = md
	if sp := o.Spec; sp != nil {
		spec := map[string]any{}
		set(spec, "replicas", sp.Replicas)
		set(spec, "rules", sp.Rules)
		set(spec, "endpoints", sp.Endpoints)
		set(spec, "hostnames", sp.Hostnames)
		set(spec, "listeners", sp.Listeners)
		set(spec, "parentRefs", sp.ParentRefs)
		m["spec"] = spec
	}
	set(m, "status", o.Status)
	return &unstructured.Unstructured{Object: m}
}

func decodeUnstructuredEvent(dec sjson.Decoder) (watch.EventType, runtime.Object, error) {
	var ev jsonEvent
	if err := dec.Decode(&ev); err != nil {
		return "", nil, err
	}
	switch ev.Type {
	case watch.Added, watch.Modified, watch.Deleted, watch.Bookmark:
		if ev.Object == nil {
			return "", nil, fmt.Errorf("a %s watch event without an object", ev.Type)
		}
		return ev.Type, ev.Object.unstructured(), nil
	case watch.Error:
		// The reflector reads the API server's Status (e.g. 410 Gone: list again).
		if ev.Object == nil {
			return "", nil, fmt.Errorf("a %s watch event without an object", ev.Type)
		}
		status := &metav1.Status{TypeMeta: metav1.TypeMeta{APIVersion: ev.Object.APIVersion, Kind: ev.Object.Kind},
			Code: ev.Object.Code, Reason: ev.Object.Reason, Message: ev.Object.Message, Details: ev.Object.Details}
		if s, ok := ev.Object.Status.(string); ok {
			status.Status = s
		}
		return ev.Type, status, nil
	default:
		return "", nil, fmt.Errorf("a watch event of unknown type %q", ev.Type)
	}
}
