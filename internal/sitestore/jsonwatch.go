package sitestore

import (
	"context"
	"fmt"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	builtin "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	sjson "sigs.k8s.io/json"
)

// jsonWatcher opens watches of gvr whose events are decoded in one pass each, straight
// into unstructured objects: the kinds the store reads whole as unstructured (those
// with hosts or a readiness: Deployment, Ingress, Certificate, HTTPRoute, ListenerSet,
// DNSEndpoint). client-go's dynamic client reads each event of a JSON watch five times
// over (to find where it ends, to find its kind, to decode the event with the object
// as raw bytes, to find the object's kind, to decode the object); after a restart at
// 10,000 sites that was most of the operator's CPU (figure 7).
func jsonWatcher(config *rest.Config, gvr schema.GroupVersionResource) (func(context.Context, metav1.ListOptions) (watch.Interface, error), error) {
	// The client's serializer reads only the API server's error answers (Status) here:
	// the events are read below.
	rc, err := restClientFor(config, gvr, runtime.ContentTypeJSON, runtime.ContentTypeJSON)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.Watch = true
		body, err := rc.Get().Resource(gvr.Resource).VersionedParams(&o, metav1.ParameterCodec).Stream(ctx)
		if err != nil {
			return nil, err
		}
		return watch.NewStreamWatcher(&eventDecoder{body: body, dec: sjson.NewDecoderCaseSensitivePreserveInts(body)},
			apierrors.NewClientErrorReporter(http.StatusInternalServerError, "GET", "ClientWatchDecoding")), nil
	}, nil
}

// eventDecoder decodes a JSON watch stream's events ({"type": ..., "object": ...}).
// Numbers in objects are int64 when integral, as unstructured objects hold them.
type eventDecoder struct {
	body io.ReadCloser
	dec  sjson.Decoder
}

type jsonEvent struct {
	Type   watch.EventType `json:"type"`
	Object map[string]any  `json:"object"`
}

func (d *eventDecoder) Decode() (watch.EventType, runtime.Object, error) {
	var ev jsonEvent
	if err := d.dec.Decode(&ev); err != nil {
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

func (d *eventDecoder) Close() { _ = d.body.Close() }

// restClientFor is a REST client for gvr's group and version, sending contentType and
// accepting accept, that decodes with the scheme of the kinds built into Kubernetes.
func restClientFor(config *rest.Config, gvr schema.GroupVersionResource, contentType, accept string) (*rest.RESTClient, error) {
	cfg := rest.CopyConfig(config)
	cfg.GroupVersion = &schema.GroupVersion{Group: gvr.Group, Version: gvr.Version}
	cfg.APIPath = "/apis"
	if gvr.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.ContentType, cfg.AcceptContentTypes = contentType, accept
	cfg.NegotiatedSerializer = builtin.Codecs.WithoutConversion()
	return rest.RESTClientFor(cfg)
}
