package sitestore

import (
	"io"
	"reflect"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kudus-diskominfo/subdomain-operator/internal/jsonwatch"
)

// The one-pass decoder reads a watch stream as client-go's dynamic client would: the
// same unstructured objects (integers as int64, floats as float64), bookmarks, and the
// API server's error Status; whitespace between events does not matter.
func TestEventDecoderMatchesTheDynamicClient(t *testing.T) {
	route := `{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"web","namespace":"web-dinkes","resourceVersion":"12","generation":3,"labels":{"hosting.kuduskab.go.id/request":"dinkes"}},"spec":{"hostnames":["dinkes.kuduskab.go.id"],"rules":[{"backendRefs":[{"name":"web","port":80,"weight":1}]}]},"status":{"ratio":0.5}}`
	stream := `{"type":"ADDED","object":` + route + "}\n" +
		`  {"type":"BOOKMARK","object":{"kind":"HTTPRoute","apiVersion":"gateway.networking.k8s.io/v1","metadata":{"resourceVersion":"13","annotations":{"k8s.io/initial-events-end":"true"}}}}` + "\n\n" +
		`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (13)","reason":"Expired","code":410}}` + "\n"
	d := jsonwatch.NewDecoder(io.NopCloser(strings.NewReader(stream)), decodeUnstructuredEvent)

	typ, obj, err := d.Decode()
	if err != nil || typ != watch.Added {
		t.Fatalf("first event: %v %v", typ, err)
	}
	want, _, err := unstructured.UnstructuredJSONScheme.Decode([]byte(route), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(obj, want) {
		t.Fatalf("decoded differently from the dynamic client:\n got %#v\nwant %#v", obj, want)
	}
	if g := obj.(*unstructured.Unstructured).GetGeneration(); g != 3 {
		t.Fatalf("generation %d", g)
	}

	typ, obj, err = d.Decode()
	if err != nil || typ != watch.Bookmark || obj.(*unstructured.Unstructured).GetAnnotations()["k8s.io/initial-events-end"] != "true" {
		t.Fatalf("bookmark: %v %v %v", typ, obj, err)
	}

	typ, obj, err = d.Decode()
	status, ok := obj.(*metav1.Status)
	if err != nil || typ != watch.Error || !ok || status.Code != 410 || status.Reason != metav1.StatusReasonExpired {
		t.Fatalf("error event: %v %#v %v", typ, obj, err)
	}

	if _, _, err := d.Decode(); err != io.EOF {
		t.Fatalf("end of stream: %v", err)
	}
	var _ runtime.Object = status
}

func TestEventDecoderRefusesWhatIsNotAnEvent(t *testing.T) {
	for name, stream := range map[string]string{
		"no object":    `{"type":"ADDED"}`,
		"unknown type": `{"type":"RENAMED","object":{}}`,
		"not JSON":     `{"type":"ADDED","object":{`,
	} {
		d := jsonwatch.NewDecoder(io.NopCloser(strings.NewReader(stream)), decodeUnstructuredEvent)
		if _, _, err := d.Decode(); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
