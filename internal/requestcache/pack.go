package requestcache

import (
	"bytes"
	"compress/flate"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// A cached request's conditions and timeline steps are almost half of its memory (11
// conditions and 6 steps on a Ready request: their structs, messages and times) and
// are read by one thing only: a reconcile of that request, on its own copy. The cache
// keeps them packed instead, as their JSON compressed against a dictionary of a
// typical request's (dictionary.json): 357 bytes for the fixture's. A cached Ready
// request takes 2.9 KB instead of 4.7 KB (BenchmarkCachedRequest). Client unpacks them
// into the copy every cache read returns; the packed form rides in the cached object
// as a managedFields entry of its own (packedManager), which no code reads and Client
// removes from the copy.
//
// Nothing packed can reach the API server: every write is a patch computed from two
// unpacked copies, and a packed object cannot even be encoded to be sent (its entry's
// fields are not JSON; TestPackedCannotBeSent).

// packedManager names the managedFields entry that holds a cached request's packed
// conditions and steps. It exists only in the operator's memory.
const packedManager = "subdomain-operator/cached-status"

//go:embed dictionary.json
var dictionary []byte

type packedStatus struct {
	Conditions []metav1.Condition `json:"c,omitempty"`
	Steps      []hostingv1.Step   `json:"s,omitempty"`
}

// Level 2: the lowest at which compress/flate uses a preset dictionary (level 1
// ignores it: 924 bytes instead of 357 for the fixture's status).
var writers = sync.Pool{New: func() any {
	w, err := flate.NewWriterDict(io.Discard, 2, dictionary)
	if err != nil {
		panic(err) // only for an invalid level
	}
	return w
}}

var readers = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), dictionary) }}

// pack moves a request's conditions and steps into its packed entry.
func pack(sdr *hostingv1.SubdomainRequest) error {
	st := &sdr.Status
	if len(st.Conditions) == 0 && len(st.Steps) == 0 {
		return nil
	}
	raw, err := json.Marshal(packedStatus{Conditions: st.Conditions, Steps: st.Steps})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := writers.Get().(*flate.Writer)
	defer writers.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	sdr.ManagedFields = append(sdr.ManagedFields, metav1.ManagedFieldsEntry{Manager: packedManager, FieldsV1: metav1.NewFieldsV1(buf.String())})
	st.Conditions, st.Steps = nil, nil
	return nil
}

// Unpack puts a cached request's conditions and steps back in place and removes the
// packed entry. sdr must be the caller's own copy; a request that was never packed
// (read from the API server, or from a cache without Transform) is left as it is.
func Unpack(sdr *hostingv1.SubdomainRequest) error {
	i := packedAt(sdr)
	if i < 0 {
		return nil
	}
	entry := sdr.ManagedFields[i]
	sdr.ManagedFields = append(sdr.ManagedFields[:i], sdr.ManagedFields[i+1:]...)
	if len(sdr.ManagedFields) == 0 {
		sdr.ManagedFields = nil
	}
	r := readers.Get().(io.ReadCloser)
	defer readers.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(entry.FieldsV1.GetRawBytes()), dictionary); err != nil {
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("unpacking the cached status of request %s: %w", sdr.Name, err)
	}
	var p packedStatus
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("unpacking the cached status of request %s: %w", sdr.Name, err)
	}
	sdr.Status.Conditions, sdr.Status.Steps = p.Conditions, p.Steps
	return nil
}

func packedAt(sdr *hostingv1.SubdomainRequest) int {
	for i := range sdr.ManagedFields {
		if sdr.ManagedFields[i].Manager == packedManager {
			return i
		}
	}
	return -1
}

// Client unpacks the requests it reads one by one (Get; see pack). A List returns the
// requests as cached, without their conditions and steps: every list of requests here
// (the name check, the requests that share a name or a host, the phase gauge) reads
// names, spec and phase only, and unpacking each listed request cost more than the
// rest of a restart's name checks (profile of figure 7 at 2,000 sites). A Get with
// client.UnsafeDisableDeepCopy returns the cache's own object, which must not change:
// it stays packed too.
type Client struct{ client.Client }

// Get reads obj and, for a request, unpacks it.
func (c Client) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if err := c.Client.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	var o client.GetOptions
	o.ApplyOptions(opts)
	if sdr, ok := obj.(*hostingv1.SubdomainRequest); ok && (o.UnsafeDisableDeepCopy == nil || !*o.UnsafeDisableDeepCopy) {
		return Unpack(sdr)
	}
	return nil
}
