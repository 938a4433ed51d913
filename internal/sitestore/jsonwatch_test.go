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
	"github.com/kudus-diskominfo/subdomain-operator/internal/readiness"
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

// What the store keeps of an object decoded pruned is what it keeps of the object
// decoded whole, for every kind it reads beyond the metadata (their hosts and their
// readiness, from the operator's own readiness functions); the pruned object holds no
// managedFields and no pod template.
func TestPrunedDecodingKeepsWhatTheStoreReads(t *testing.T) {
	managed := `"managedFields":[{"manager":"subdomain-operator","operation":"Apply","apiVersion":"v1","time":"2026-12-04T05:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:hosting.kuduskab.go.id/request":{}}}}}]`
	meta := func(kind string) string {
		return `"metadata":{"name":"web","namespace":"web-dinkes","uid":"u-` + kind + `","resourceVersion":"1234","generation":2,` +
			`"labels":{"hosting.kuduskab.go.id/request":"dinkes","app.kubernetes.io/managed-by":"subdomain-operator"},` +
			`"annotations":{"note":"x","kubectl.kubernetes.io/last-applied-configuration":"{}"},` +
			`"ownerReferences":[{"apiVersion":"v1","kind":"Namespace","name":"web-dinkes","uid":"n1","controller":true}],` + managed + `}`
	}
	kinds := map[string]struct {
		kind Kind
		json string
	}{
		"Deployment": {Kind{Name: "Deployment", Ready: readiness.Deployment},
			`{"apiVersion":"apps/v1","kind":"Deployment",` + meta("d") + `,"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx"}]}}},"status":{"observedGeneration":2,"availableReplicas":1,"replicas":2}}`},
		"Ingress": {Kind{Name: "Ingress", Hosts: IngressHosts, Ready: readiness.Ingress},
			`{"apiVersion":"networking.k8s.io/v1","kind":"Ingress",` + meta("i") + `,"spec":{"ingressClassName":"nginx","rules":[{"host":"Dinkes.kuduskab.go.id.","http":{"paths":[{"path":"/","pathType":"Prefix","backend":{"service":{"name":"web","port":{"name":"http"}}}}]}}],"tls":[{"hosts":["dinkes.kuduskab.go.id"],"secretName":"web-tls"}]},"status":{"loadBalancer":{"ingress":[{"ip":"10.0.0.1"}]}}}`},
		"DNSEndpoint": {Kind{Name: "DNSEndpoint", Hosts: DNSEndpointNames},
			`{"apiVersion":"externaldns.k8s.io/v1alpha1","kind":"DNSEndpoint",` + meta("e") + `,"spec":{"endpoints":[{"dnsName":"dinkes.kuduskab.go.id","recordType":"A","recordTTL":300,"targets":["10.0.0.1"]}]},"status":{"observedGeneration":2}}`},
		"Certificate": {Kind{Name: "Certificate", Ready: readiness.Certificate},
			`{"apiVersion":"cert-manager.io/v1","kind":"Certificate",` + meta("c") + `,"spec":{"secretName":"web-tls","dnsNames":["dinkes.kuduskab.go.id"],"issuerRef":{"kind":"ClusterIssuer","name":"kudus"}},"status":{"conditions":[{"type":"Ready","status":"False","reason":"Issuing","message":"Issuing certificate as Secret does not exist"}]}}`},
		"HTTPRoute": {Kind{Name: "HTTPRoute", Hosts: HTTPRouteHosts, Ready: readiness.HTTPRoute},
			`{"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute",` + meta("h") + `,"spec":{"parentRefs":[{"name":"web","kind":"ListenerSet","group":"gateway.networking.k8s.io"}],"hostnames":["dinkes.kuduskab.go.id"],"rules":[{"backendRefs":[{"name":"web","port":80}]}]},"status":{"parents":[{"parentRef":{"name":"web","kind":"ListenerSet","group":"gateway.networking.k8s.io"},"controllerName":"x","conditions":[{"type":"Accepted","status":"True"}]}]}}`},
		"ListenerSet": {Kind{Name: "ListenerSet", Hosts: ListenerSetHosts},
			`{"apiVersion":"gateway.networking.k8s.io/v1","kind":"ListenerSet",` + meta("l") + `,"spec":{"parentRef":{"name":"kudus"},"listeners":[{"name":"https","hostname":"dinkes.kuduskab.go.id","port":443,"protocol":"HTTPS"}]}}`},
	}
	for name, tc := range kinds {
		t.Run(name, func(t *testing.T) {
			whole, _, err := unstructured.UnstructuredJSONScheme.Decode([]byte(tc.json), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := jsonwatch.NewDecoder(io.NopCloser(strings.NewReader(`{"type":"MODIFIED","object":`+tc.json+`}`)), decodeUnstructuredEvent)
			_, pruned, err := d.Decode()
			if err != nil {
				t.Fatal(err)
			}
			kw, ew, err := entryOf(whole, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			kp, ep, err := entryOf(pruned, tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			if kw != kp || !reflect.DeepEqual(ew, ep) {
				t.Fatalf("pruned entry %v %+v, whole %v %+v", kp, ep, kw, ew)
			}
			if tc.kind.Hosts != nil && len(ep.Hosts) == 0 || tc.kind.Ready != nil && ep.NotReady == "" && name != "HTTPRoute" && name != "Ingress" {
				t.Fatalf("the example reads nothing: %+v", ep)
			}
			u := pruned.(*unstructured.Unstructured)
			if u.GetManagedFields() != nil {
				t.Fatal("managedFields kept")
			}
			if _, found, _ := unstructured.NestedFieldNoCopy(u.Object, "spec", "template"); found {
				t.Fatal("the pod template kept")
			}
		})
	}
}
