package requestcache

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

func readyRequest(t testing.TB) (*hostingv1.SubdomainRequest, []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/ready-request.json")
	if err != nil {
		t.Fatal(err)
	}
	sdr := &hostingv1.SubdomainRequest{}
	if err := json.Unmarshal(raw, sdr); err != nil {
		t.Fatal(err)
	}
	return sdr, raw
}

func transformed(t testing.TB, sdr *hostingv1.SubdomainRequest) *hostingv1.SubdomainRequest {
	t.Helper()
	out, err := Transform(sdr)
	if err != nil {
		t.Fatal(err)
	}
	return out.(*hostingv1.SubdomainRequest)
}

// What the operator reads of a cached request (a copy, unpacked) is what the API
// server sent, except the managedFields that date no decision and the last-applied
// manifest.
func TestCompactKeepsWhatIsRead(t *testing.T) {
	orig, _ := readyRequest(t)
	want := orig.DeepCopy()
	if _, ok := want.Annotations[lastApplied]; !ok {
		t.Fatal("the fixture lacks the last-applied annotation")
	}
	delete(want.Annotations, lastApplied)
	cached := transformed(t, orig)
	if len(cached.Status.Conditions) != 0 || len(cached.Status.Steps) != 0 || packedAt(cached) < 0 {
		t.Fatalf("the cached request's conditions and steps are not packed: %d conditions, %d steps, entry at %d",
			len(cached.Status.Conditions), len(cached.Status.Steps), packedAt(cached))
	}
	got := cached.DeepCopy()
	if err := Unpack(got); err != nil {
		t.Fatal(err)
	}
	if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != "kubectl-annotate" {
		t.Fatalf("managedFields kept: %+v", got.ManagedFields)
	}
	got.ManagedFields, want.ManagedFields = nil, nil
	if !equality.Semantic.DeepEqual(got, want) {
		t.Fatalf("the cached request, unpacked, differs:\n got %+v\nwant %+v", got, want)
	}
	// Unpacking a copy leaves the cached request as it was.
	if len(cached.Status.Conditions) != 0 || packedAt(cached) < 0 {
		t.Fatal("unpacking a copy changed the cached request")
	}
	// A request read from the API server has nothing packed and stays as it is.
	live, _ := readyRequest(t)
	before := live.DeepCopy()
	if err := Unpack(live); err != nil || !equality.Semantic.DeepEqual(live, before) {
		t.Fatalf("unpacking a request never packed changed it (err %v)", err)
	}
}

// A packed request cannot be sent to the API server by mistake: it does not encode.
func TestPackedCannotBeSent(t *testing.T) {
	sdr, _ := readyRequest(t)
	if _, err := json.Marshal(transformed(t, sdr)); err == nil {
		t.Fatal("a packed request encodes to JSON; a write of the cached object could send it")
	}
}

// Transforming a cached request again keeps what was packed: a streamed first list
// transforms each object twice (into the reflector's temporary store, then in the
// informer's queue); the e2e restart caught the packed status lost that way.
func TestTransformTwice(t *testing.T) {
	sdr, _ := readyRequest(t)
	want := len(sdr.Status.Steps)
	twice := transformed(t, transformed(t, sdr)).DeepCopy()
	if err := Unpack(twice); err != nil || len(twice.Status.Steps) != want {
		t.Fatalf("transformed twice: %v, %d steps, want %d", err, len(twice.Status.Steps), want)
	}
}

// A request without conditions or steps (just filed, not yet seen by the operator)
// has nothing to pack.
func TestNothingToPack(t *testing.T) {
	sdr, _ := readyRequest(t)
	sdr.Status = hostingv1.SubdomainRequestStatus{}
	got := transformed(t, sdr)
	if packedAt(got) >= 0 {
		t.Fatal("packed an empty status")
	}
}

// Two cached requests share the strings they have in common.
func TestCompactShares(t *testing.T) {
	a, _ := readyRequest(t)
	b, _ := readyRequest(t)
	a, b = transformed(t, a), transformed(t, b)
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	if !same(a.Spec.Applicant.Group, b.Spec.Applicant.Group) || !same(string(a.Status.Phase), string(b.Status.Phase)) {
		t.Fatal("group and phase are not shared")
	}
	if !same(a.ManagedFields[0].Manager, b.ManagedFields[0].Manager) {
		t.Fatal("managers are not shared")
	}
}

// Were the conditions and steps not packed, they would still be compacted: shared
// strings, exact lengths, one value per instant.
func TestCompactStatus(t *testing.T) {
	a, _ := readyRequest(t)
	b, _ := readyRequest(t)
	compactStatus(a)
	compactStatus(b)
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	ca, cb := a.Status.Conditions[0], b.Status.Conditions[0]
	if !same(ca.Type, cb.Type) || !same(ca.Reason, cb.Reason) || !same(string(ca.Status), string(cb.Status)) {
		t.Fatal("condition type, reason and status are not shared")
	}
	if !same(a.Status.Steps[1].By, b.Status.Steps[1].By) {
		t.Fatal("user names are not shared")
	}
	if same(a.Status.Conditions[0].Message, b.Status.Conditions[0].Message) {
		t.Fatal("messages (mostly one request's own) should not be interned")
	}
	s := a.Status.Steps
	if !s[0].DecidedAt.Equal(s[1].StartedAt) || s[0].DecidedAt != s[1].StartedAt {
		t.Fatalf("the fixture's step 1 starts when step 0 is decided, and should share the value: %v %v", s[0].DecidedAt, s[1].StartedAt)
	}
	if len(a.Status.Conditions) != cap(a.Status.Conditions) || len(s) != cap(s) {
		t.Fatal("conditions and steps are not of their exact length")
	}
}

// stubReader serves one cached object, as the cache would: its own, or a deep copy.
type stubReader struct {
	client.Client
	cached *hostingv1.SubdomainRequest
}

func (s stubReader) Get(_ context.Context, _ client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	var o client.GetOptions
	o.ApplyOptions(opts)
	src := s.cached.DeepCopy()
	if o.UnsafeDisableDeepCopy != nil && *o.UnsafeDisableDeepCopy {
		src = s.cached
	}
	*obj.(*hostingv1.SubdomainRequest) = *src
	return nil
}

func (s stubReader) List(_ context.Context, list client.ObjectList, opts ...client.ListOption) error {
	var o client.ListOptions
	o.ApplyOptions(opts)
	src := s.cached.DeepCopy()
	if o.UnsafeDisableDeepCopy != nil && *o.UnsafeDisableDeepCopy {
		src = s.cached
	}
	list.(*hostingv1.SubdomainRequestList).Items = []hostingv1.SubdomainRequest{*src}
	return nil
}

// Client's Get comes unpacked, but for the cache's own object, which it must not
// change; a List comes as cached (no reader of a list needs conditions or steps).
func TestClientUnpacks(t *testing.T) {
	orig, _ := readyRequest(t)
	conditions := len(orig.Status.Conditions)
	c := Client{stubReader{cached: transformed(t, orig)}}
	var got hostingv1.SubdomainRequest
	if err := c.Get(context.Background(), client.ObjectKey{Name: orig.Name}, &got); err != nil || len(got.Status.Conditions) != conditions || packedAt(&got) >= 0 {
		t.Fatalf("Get: %v, %d conditions, packed entry at %d", err, len(got.Status.Conditions), packedAt(&got))
	}
	if err := c.Get(context.Background(), client.ObjectKey{Name: orig.Name}, &got, client.UnsafeDisableDeepCopy); err != nil || len(got.Status.Steps) != 0 || packedAt(&got) < 0 {
		t.Fatal("an UnsafeDisableDeepCopy Get was unpacked: it would change the cache's own object")
	}
	var list hostingv1.SubdomainRequestList
	if err := c.List(context.Background(), &list); err != nil || len(list.Items[0].Status.Steps) != 0 || list.Items[0].Spec.Subdomain != orig.Spec.Subdomain {
		t.Fatalf("List: %v, %+v", err, list.Items[0].Status.Steps)
	}
}

// BenchmarkCachedRequest reports the memory a cached Ready request takes, decoded as
// the API server sends it and as the cache keeps it (make bench's figure 7 counts
// 10,000 of them).
func BenchmarkCachedRequest(b *testing.B) {
	_, raw := readyRequest(b)
	const n = 2000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for _, tc := range []struct {
		name    string
		compact bool
	}{{"decoded", false}, {"cached", true}} {
		b.Run(tc.name, func(b *testing.B) {
			var per float64
			for b.Loop() {
				objs := make([]*hostingv1.SubdomainRequest, n)
				h0 := heap()
				for i := range objs {
					o := &hostingv1.SubdomainRequest{}
					if err := json.Unmarshal(raw, o); err != nil {
						b.Fatal(err)
					}
					if tc.compact {
						o = transformed(b, o)
					}
					objs[i] = o
				}
				per = float64(heap()-h0) / n
				runtime.KeepAlive(objs)
			}
			b.ReportMetric(per, "B/request")
		})
	}
}
