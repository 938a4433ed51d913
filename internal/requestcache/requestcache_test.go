package requestcache

import (
	"encoding/json"
	"os"
	"runtime"
	"testing"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/equality"

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

// What the operator reads of a cached request is what the API server sent, except the
// managedFields that date no decision and the last-applied manifest.
func TestCompactKeepsWhatIsRead(t *testing.T) {
	orig, _ := readyRequest(t)
	want := orig.DeepCopy()
	if _, ok := want.Annotations[lastApplied]; !ok {
		t.Fatal("the fixture lacks the last-applied annotation")
	}
	delete(want.Annotations, lastApplied)
	got := transformed(t, orig)
	if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != "kubectl-annotate" {
		t.Fatalf("managedFields kept: %+v", got.ManagedFields)
	}
	got.ManagedFields, want.ManagedFields = nil, nil
	if !equality.Semantic.DeepEqual(got, want) {
		t.Fatalf("the compacted request differs:\n got %+v\nwant %+v", got, want)
	}
	// A deep copy (what a cache read returns) shares nothing mutable with the cache.
	cp := got.DeepCopy()
	cp.Status.Steps[1].DecidedAt.Time = cp.Status.Steps[1].DecidedAt.Add(1)
	if got.Status.Steps[2].StartedAt.Equal(cp.Status.Steps[1].DecidedAt) {
		t.Fatal("changing a copy's time changed the cached request")
	}
}

// Two cached requests share the strings they have in common; one request's timeline
// shares the instants it repeats.
func TestCompactShares(t *testing.T) {
	a, _ := readyRequest(t)
	b, _ := readyRequest(t)
	a, b = transformed(t, a), transformed(t, b)
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	ca, cb := a.Status.Conditions[0], b.Status.Conditions[0]
	if !same(ca.Type, cb.Type) || !same(ca.Reason, cb.Reason) || !same(string(ca.Status), string(cb.Status)) {
		t.Fatal("condition type, reason and status are not shared")
	}
	if !same(a.Status.Steps[1].By, b.Status.Steps[1].By) || !same(a.Spec.Applicant.Group, b.Spec.Applicant.Group) {
		t.Fatal("user and group names are not shared")
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
