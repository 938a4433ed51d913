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

// jsonWatcher opens watches of gvr decoded in one pass each, straight into
// unstructured objects: the kinds the store reads whole as unstructured (those with
// hosts or a readiness: Deployment, Ingress, Certificate, HTTPRoute, ListenerSet,
// DNSEndpoint).
func jsonWatcher(config *rest.Config, gvr schema.GroupVersionResource) (func(context.Context, metav1.ListOptions) (watch.Interface, error), error) {
	return jsonwatch.Watcher(config, gvr, decodeUnstructuredEvent)
}

type jsonEvent struct {
	Type   watch.EventType `json:"type"`
	Object map[string]any  `json:"object"`
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
		return ev.Type, &unstructured.Unstructured{Object: ev.Object}, nil
	case watch.Error:
		// The reflector reads the API server's Status (e.g. 410 Gone: list again).
		status := &metav1.Status{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(ev.Object, status); err != nil {
			return "", nil, fmt.Errorf("decoding a watch error: %w", err)
		}
		return ev.Type, status, nil
	default:
		return "", nil, fmt.Errorf("a watch event of unknown type %q", ev.Type)
	}
}
