// Package jsonwatch opens watches whose JSON events are decoded in one pass each,
// straight into the objects the caller keeps. client-go reads each event of a JSON
// watch five times over (to find where it ends, to find its kind, to decode the event
// with the object as raw bytes, to find the object's kind, to decode the object);
// after a restart at 10,000 sites that was most of the operator's CPU (figure 7).
package jsonwatch

import (
	"context"
	"io"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	builtin "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	sjson "sigs.k8s.io/json"
)

// DecodeEvent reads the next event ({"type": ..., "object": ...}) from dec.
type DecodeEvent func(dec sjson.Decoder) (watch.EventType, runtime.Object, error)

// Watcher opens watches of gvr whose events decode reads.
func Watcher(config *rest.Config, gvr schema.GroupVersionResource, decode DecodeEvent) (func(context.Context, metav1.ListOptions) (watch.Interface, error), error) {
	// The client's serializer reads only the API server's error answers (Status): the
	// events are read by decode.
	rc, err := restClient(config, gvr, runtime.ContentTypeJSON, runtime.ContentTypeJSON)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		o.Watch = true
		body, err := rc.Get().Resource(gvr.Resource).VersionedParams(&o, metav1.ParameterCodec).Stream(ctx)
		if err != nil {
			return nil, err
		}
		return watch.NewStreamWatcher(NewDecoder(body, decode),
			apierrors.NewClientErrorReporter(http.StatusInternalServerError, "GET", "ClientWatchDecoding")), nil
	}, nil
}

// NewDecoder reads the watch events of body with decode. Numbers in objects decoded
// into maps are int64 when integral, as unstructured objects hold them.
func NewDecoder(body io.ReadCloser, decode DecodeEvent) watch.Decoder {
	return &decoder{body: body, dec: sjson.NewDecoderCaseSensitivePreserveInts(body), decode: decode}
}

type decoder struct {
	body   io.ReadCloser
	dec    sjson.Decoder
	decode DecodeEvent
}

func (d *decoder) Decode() (watch.EventType, runtime.Object, error) { return d.decode(d.dec) }

func (d *decoder) Close() { _ = d.body.Close() }

// restClient is a REST client for gvr's group and version, sending contentType and
// accepting accept, that decodes with the scheme of the kinds built into Kubernetes.
func restClient(config *rest.Config, gvr schema.GroupVersionResource, contentType, accept string) (*rest.RESTClient, error) {
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
