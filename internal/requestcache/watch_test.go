package requestcache

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	restwatch "k8s.io/client-go/rest/watch"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/jsonwatch"
)

// readyRequestJSON is the Ready request of testdata on one line, as a watch sends it.
func readyRequestJSON(tb testing.TB) *bytes.Buffer {
	raw, err := os.ReadFile("testdata/ready-request.json")
	if err != nil {
		tb.Fatal(err)
	}
	var compacted bytes.Buffer
	if err := json.Compact(&compacted, raw); err != nil {
		tb.Fatal(err)
	}
	return &compacted
}

func decoderOf(stream string) watch.Decoder {
	return jsonwatch.NewDecoder(io.NopCloser(strings.NewReader(stream)), decodeRequestEvent)
}

// The one-pass decoder reads a watch stream of requests as client-go's typed decoding
// would (a Ready request from a cluster: status, managedFields, timestamps), then a
// bookmark ending the first list, then the API server's 410 Gone, which the reflector
// must see as a Status to list again.
func TestRequestDecoderMatchesClientGo(t *testing.T) {
	compacted := readyRequestJSON(t)
	stream := `{"type":"ADDED","object":` + compacted.String() + "}\n" +
		`{"type":"BOOKMARK","object":{"kind":"SubdomainRequest","apiVersion":"hosting.kuduskab.go.id/v1alpha1","metadata":{"resourceVersion":"13","annotations":{"k8s.io/initial-events-end":"true"}},"spec":{"subdomain":"","applicant":{"unit":"","contactName":"","position":"","email":"","group":""},"letter":{"number":"","date":""},"purpose":"","hosting":{"plan":""}},"status":{}}}` + "\n" +
		`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (13)","reason":"Expired","code":410}}` + "\n"
	d := decoderOf(stream)

	typ, obj, err := d.Decode()
	if err != nil || typ != watch.Added {
		t.Fatalf("first event: %v %v", typ, err)
	}
	scheme := runtime.NewScheme()
	if err := hostingv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	want := &hostingv1.SubdomainRequest{}
	codecs := serializer.NewCodecFactory(scheme)
	if _, _, err := codecs.UniversalDeserializer().Decode(compacted.Bytes(), nil, want); err != nil {
		t.Fatal(err)
	}
	want.TypeMeta = metav1.TypeMeta{}
	got, ok := obj.(*hostingv1.SubdomainRequest)
	if !ok || !equality.Semantic.DeepEqual(got, want) {
		t.Fatalf("decoded differently from client-go:\n got %#v\nwant %#v", obj, want)
	}
	if len(got.Status.Steps) == 0 || len(got.ManagedFields) == 0 || got.Spec.Subdomain == "" {
		t.Fatalf("the fixture lost what the test is about: %+v", got)
	}

	typ, obj, err = d.Decode()
	if err != nil || typ != watch.Bookmark || obj.(*hostingv1.SubdomainRequest).Annotations["k8s.io/initial-events-end"] != "true" ||
		obj.(*hostingv1.SubdomainRequest).ResourceVersion != "13" {
		t.Fatalf("bookmark: %v %v %v", typ, obj, err)
	}

	typ, obj, err = d.Decode()
	status, ok := obj.(*metav1.Status)
	if err != nil || typ != watch.Error || !ok || !apierrors.IsResourceExpired(apierrors.FromObject(status)) ||
		status.Message != "too old resource version: 1 (13)" {
		t.Fatalf("error event: %v %#v %v", typ, obj, err)
	}

	if _, _, err := d.Decode(); err != io.EOF {
		t.Fatalf("end of stream: %v", err)
	}
}

func TestRequestDecoderRefusesWhatIsNotAnEvent(t *testing.T) {
	for name, stream := range map[string]string{
		"no object":           `{"type":"ADDED"}`,
		"unknown type":        `{"type":"RENAMED","object":{"metadata":{"name":"dinkes"}}}`,
		"not JSON":            `{"type":"ADDED","object":{`,
		"not a request":       `{"type":"ADDED","object":{"metadata":{"name":"dinkes"},"spec":"web"}}`,
		"not an event at all": `[1, 2]`,
	} {
		if _, _, err := decoderOf(stream).Decode(); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// BenchmarkRequestWatchDecode is the cost of one Ready request's watch event, decoded
// in one pass and as client-go's REST watch decodes it.
func BenchmarkRequestWatchDecode(b *testing.B) {
	compacted := readyRequestJSON(b)
	event := []byte(`{"type":"ADDED","object":` + compacted.String() + "}\n")
	const perStream = 100
	stream := bytes.Repeat(event, perStream)
	scheme := runtime.NewScheme()
	if err := hostingv1.AddToScheme(scheme); err != nil {
		b.Fatal(err)
	}
	codecs := serializer.NewCodecFactory(scheme)
	info, _ := runtime.SerializerInfoForMediaType(codecs.SupportedMediaTypes(), runtime.ContentTypeJSON)
	decodeAll := func(b *testing.B, d interface {
		Decode() (watch.EventType, runtime.Object, error)
	}) {
		for range perStream {
			if _, _, err := d.Decode(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("one pass", func(b *testing.B) {
		for b.Loop() {
			decodeAll(b, decoderOf(string(stream)))
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*perStream), "µs/event")
	})
	b.Run("client-go", func(b *testing.B) {
		for b.Loop() {
			frames := info.StreamSerializer.NewFrameReader(io.NopCloser(bytes.NewReader(stream)))
			decodeAll(b, restwatch.NewDecoder(streaming.NewDecoder(frames, info.StreamSerializer.Serializer), codecs.UniversalDeserializer()))
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*perStream), "µs/event")
	})
}
