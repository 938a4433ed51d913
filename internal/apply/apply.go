// Package apply creates what a site is made of when it is missing and puts it back
// when it drifted, writing nothing when an object already holds what is wanted, and
// never touching an object that someone else made. It remembers, per object, the
// resourceVersion at which the object was last seen to hold the wanted state, so that
// an unchanged object costs no read.
package apply

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/sitestore"
)

// Outcome is what Ensure found and did.
type Outcome int

const (
	// Unchanged means the object holds what is wanted; nothing was written.
	Unchanged Outcome = iota
	// Created means the object was missing and was created.
	Created
	// Updated means the object drifted and was put back.
	Updated
	// Conflict means an object of that name exists and somebody else made it.
	Conflict
	// Released means a starter-site object the applicant took over (its request label
	// removed); left alone.
	Released
	// Taken means the object belongs to another request.
	Taken
)

// Foreign reports whether the object found is not the owner's.
func (o Outcome) Foreign() bool { return o == Conflict || o == Released || o == Taken }

// Owner is the request an object is made for.
type Owner struct {
	Request   string
	Subdomain string
}

// Applier ensures objects for their owners.
type Applier struct {
	// Client writes (and creates).
	Client client.Client
	// Reader reads past any cache, for the objects the store says changed.
	Reader client.Reader
	// Store follows the objects; an object the store does not know is created first.
	Store        *sitestore.Store
	FieldManager string

	verified verified
}

// Wanted is an object as the caller wants it, with its key and the hash of that
// desired state taken once: a reconcile looks at each of a site's objects up to three
// times (RememberSite, Ensure, SiteDigest), and hashing it each time was 2.9 of the
// operator's 32 CPU seconds in a restart at 10,000 sites (docs/benchmarks.md).
type Wanted struct {
	Object    client.Object
	kind      string
	key, hash uint64
}

// Want takes desired as the caller wants it; desired is not changed afterwards.
func Want(desired client.Object) Wanted {
	kind := KindOf(desired)
	return Wanted{Object: desired, kind: kind, key: objectKey(kind, desired), hash: desiredHash(desired)}
}

// Ensure creates the wanted object when missing and puts it back when it drifted. It
// returns also the metadata of the object found when it is not the owner's.
func (a *Applier) Ensure(ctx context.Context, owner Owner, wanted Wanted) (Outcome, client.Object, error) {
	desired, kind, key, want := wanted.Object, wanted.kind, wanted.key, wanted.hash
	entry, found, _ := a.Store.Get(kind, desired.GetNamespace(), desired.GetName())
	if !found {
		created := desired.DeepCopyObject().(client.Object)
		err := a.Client.Create(ctx, created, client.FieldOwner(a.FieldManager))
		if err == nil {
			msg := "created"
			if a.verified.has(key) {
				msg = "put back a deleted object"
			}
			logf.FromContext(ctx).Info(msg, "kind", kind, "object", objectName(desired))
			a.verified.set(key, sitestore.VersionOf(created), want)
			return Created, created, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return Unchanged, nil, err
		}
		// The store follows only what carries a request label (and all Ingresses and
		// DNSEndpoints): whatever is there is not ours, or was just made. Ask the API
		// server.
	} else {
		switch {
		case entry.Request == owner.Request:
			if a.verified.ok(key, entry.Version(), want) {
				return Unchanged, nil, nil
			}
		case entry.Request != "":
			taken := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: desired.GetNamespace(), Name: desired.GetName(),
				Labels: map[string]string{hostingv1.RequestLabel: entry.Request}}}
			return Taken, taken, nil
		}
	}
	// Changed since we last looked (or never looked, since the operator started): read
	// the object itself and compare.
	existing := desired.DeepCopyObject().(client.Object)
	if err := a.Reader.Get(ctx, client.ObjectKeyFromObject(desired), existing); err != nil {
		return Unchanged, nil, err
	}
	if out := Ownership(owner, existing); out.Foreign() {
		return out, existing, nil
	}
	if Subset(desired, existing) {
		a.verified.set(key, sitestore.VersionOf(existing), want)
		return Unchanged, existing, nil
	}
	applied, err := a.apply(ctx, desired)
	if err != nil {
		return Unchanged, nil, err
	}
	logf.FromContext(ctx).Info("repaired drift", "kind", kind, "object", objectName(desired), "drifted", Drifted(desired, existing))
	a.verified.set(key, sitestore.VersionOf(applied), want)
	return Updated, applied, nil
}

// objectName is namespace/name, or the name of a cluster-scoped object.
func objectName(obj client.Object) string {
	if obj.GetNamespace() == "" {
		return obj.GetName()
	}
	return obj.GetNamespace() + "/" + obj.GetName()
}

// maxDrifted bounds the fields Drifted lists.
const maxDrifted = 8

// Drifted lists the fields of desired that existing does not hold, as paths such as
// spec.rules[0].host or metadata.labels["app.kubernetes.io/managed-by"] (at most
// eight, in a stable order): what Subset found missing.
func Drifted(desired, existing client.Object) []string {
	d, err1 := toMap(desired)
	e, err2 := toMap(existing)
	if err1 != nil || err2 != nil {
		return nil
	}
	trimForCompare(d)
	var out []string
	diffPaths(e, d, "", &out)
	return out
}

func diffPaths(have, want any, path string, out *[]string) {
	if len(*out) >= maxDrifted || contains(have, want) {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok && have != nil {
			break
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			diffPaths(h[k], w[k], joinPath(path, k), out)
		}
		return
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			break
		}
		for i := range w {
			diffPaths(h[i], w[i], fmt.Sprintf("%s[%d]", path, i), out)
		}
		return
	}
	if path == "" {
		path = "."
	}
	*out = append(*out, path)
}

func joinPath(path, key string) string {
	if strings.ContainsAny(key, "./") {
		return fmt.Sprintf("%s[%q]", path, key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Remember records an existing object, read by the caller (a restarted operator checks
// what the site store's first lists bring rather than reading every object), as
// verified when it is the owner's and holds what desired sets; it reports whether it
// did. An object it does not record is read and compared by Ensure as usual.
func (a *Applier) Remember(owner Owner, desired, existing client.Object) bool {
	if Ownership(owner, existing) != Unchanged || !Subset(desired, existing) {
		return false
	}
	a.verified.set(objectKey(KindOf(desired), desired), sitestore.VersionOf(existing), desiredHash(desired))
	return true
}

// SiteDigest is a digest of what is remembered of a site's objects (desired: all of
// them, in a stable order): their versions and the desired state at which each was
// found holding what it should. It is "" unless every object is remembered at its
// desired state, so the caller takes it right after ensuring them all.
func (a *Applier) SiteDigest(desired []Wanted) string {
	h := fnvOffset
	for _, d := range desired {
		a.verified.mu.Lock()
		v, ok := a.verified.m[d.key]
		a.verified.mu.Unlock()
		if !ok {
			return ""
		}
		h.uint64('k', d.key)
		h.uint64('v', v)
	}
	return siteDigestPrefix + strconv.FormatUint(uint64(h), 16)
}

// siteDigestPrefix versions the digest's recipe: a digest made another way only
// fails to match.
const siteDigestPrefix = "v1:"

// RememberSite records every object of a site as verified when the site store holds
// each of them, the owner's, at the version digest (a SiteDigest taken earlier, maybe
// by an operator since restarted) was taken at, for the same desired state. It
// reports whether it did; if not, Ensure reads and compares each object as usual.
func (a *Applier) RememberSite(owner Owner, digest string, desired []Wanted) bool {
	if digest == "" {
		return false
	}
	keys, values := make([]uint64, len(desired)), make([]uint64, len(desired))
	h := fnvOffset
	for i, d := range desired {
		entry, found, _ := a.Store.Get(d.kind, d.Object.GetNamespace(), d.Object.GetName())
		if !found || entry.Request != owner.Request {
			return false
		}
		keys[i], values[i] = d.key, hash64(entry.Version(), strconv.FormatUint(d.hash, 16))
		h.uint64('k', keys[i])
		h.uint64('v', values[i])
	}
	if siteDigestPrefix+strconv.FormatUint(uint64(h), 16) != digest {
		return false
	}
	a.verified.mu.Lock()
	defer a.verified.mu.Unlock()
	if a.verified.m == nil {
		a.verified.m = map[uint64]uint64{}
	}
	for i, k := range keys {
		a.verified.m[k] = values[i]
	}
	return true
}

// Knows reports whether anything is remembered of the wanted object.
func (a *Applier) Knows(desired Wanted) bool { return a.verified.has(desired.key) }

// Forget drops what is remembered of an object (it was released or deleted).
func (a *Applier) Forget(obj client.Object) { a.verified.forget(objectKey(KindOf(obj), obj)) }

// Ownership says whether an existing object is the owner's, and if not how: taken by
// another request, released by the applicant (a starter-site object whose request
// label they removed), or made by someone else.
func Ownership(owner Owner, existing client.Object) Outcome {
	label := existing.GetLabels()[hostingv1.RequestLabel]
	switch {
	case label == owner.Request:
		return Unchanged
	case label != "":
		return Taken
	case existing.GetAnnotations()[hostingv1.StarterSiteAnnotation] == "true" && existing.GetLabels()[hostingv1.SubdomainLabel] == owner.Subdomain:
		return Released
	default:
		return Conflict
	}
}

// apply writes desired whole with server-side apply, as the operator's field manager.
func (a *Applier) apply(ctx context.Context, desired client.Object) (client.Object, error) {
	obj := desired.DeepCopyObject().(client.Object)
	obj.SetResourceVersion("")
	obj.SetManagedFields(nil)
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, err
	}
	applied := &unstructured.Unstructured{Object: u}
	if err := a.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(applied), client.FieldOwner(a.FieldManager), client.ForceOwnership); err != nil {
		return nil, err
	}
	obj.SetResourceVersion(applied.GetResourceVersion())
	return obj, nil
}

// KindOf is an object's kind, from its type information or its Go type.
func KindOf(obj client.Object) string {
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	return reflect.TypeOf(obj).Elem().Name()
}

// toMap is the object as a map the caller may change: the converter hands back an
// unstructured object's own map, which trimming for a comparison would otherwise cut
// down in place (a Certificate, built as unstructured, lost its name that way).
func toMap(obj client.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return runtime.DeepCopyJSON(u.Object), nil
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
}

// comparedOf is what a comparison reads of an existing object, as a map it only reads:
// an unstructured object's own map; a typed object converted with only the metadata
// the operator sets (labels, annotations, owners: trimForCompare), on a shallow copy.
// Converting the rest of the metadata, the managedFields above all, was most of the
// cost of checking 118,872 objects after a restart (figure 7).
func comparedOf(obj client.Object) (map[string]any, error) {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return u.Object, nil
	}
	v := reflect.ValueOf(obj).Elem()
	cp := reflect.New(v.Type())
	cp.Elem().Set(v)
	if meta := cp.Elem().FieldByName("ObjectMeta"); meta.IsValid() && meta.Type() == reflect.TypeFor[metav1.ObjectMeta]() {
		meta.Set(reflect.ValueOf(metav1.ObjectMeta{Labels: obj.GetLabels(), Annotations: obj.GetAnnotations(), OwnerReferences: obj.GetOwnerReferences()}))
	} else {
		cp.Interface().(client.Object).SetManagedFields(nil)
	}
	return runtime.DefaultUnstructuredConverter.ToUnstructured(cp.Interface())
}

// Subset reports whether every field set in desired has the same value in existing:
// server-side defaults in existing do not count as drift.
func Subset(desired, existing client.Object) bool {
	d, err1 := toMap(desired)
	e, err2 := comparedOf(existing)
	if err1 != nil || err2 != nil {
		return false
	}
	trimForCompare(d)
	return contains(e, d)
}

// trimForCompare keeps of a desired object what the operator sets: the metadata it
// writes and everything but the status.
func trimForCompare(d map[string]any) {
	dm, _ := d["metadata"].(map[string]any)
	d["metadata"] = map[string]any{"labels": dm["labels"], "annotations": dm["annotations"], "ownerReferences": dm["ownerReferences"]}
	delete(d, "status")
	delete(d, "apiVersion")
	delete(d, "kind")
}

func contains(have, want any) bool {
	switch w := want.(type) {
	case nil:
		return true
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return len(w) == 0
		}
		for k, wv := range w {
			if !contains(h[k], wv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !contains(h[i], w[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(have, want) || fmt.Sprint(have) == fmt.Sprint(want)
	}
}

// verified maps a provisioned object to the version (sitestore.Entry.Version: for
// kinds with a generation, generation and metadata digest, so that status writes by
// the object's own controller cost no read; else the resourceVersion) and the desired
// state at which it was last known to hold what it should, as 64-bit hashes: about 40
// bytes per object.
type verified struct {
	mu sync.Mutex
	m  map[uint64]uint64
}

func hash64(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

func objectKey(kind string, obj client.Object) uint64 {
	return hash64(kind, obj.GetNamespace(), obj.GetName())
}

func (v *verified) ok(key uint64, resourceVersion string, desired uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	got, ok := v.m[key]
	return ok && got == hash64(resourceVersion, strconv.FormatUint(desired, 16))
}

func (v *verified) has(key uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.m[key]
	return ok
}

func (v *verified) set(key uint64, resourceVersion string, desired uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[uint64]uint64{}
	}
	v.m[key] = hash64(resourceVersion, strconv.FormatUint(desired, 16))
}

func (v *verified) forget(key uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, key)
}

// desiredHash identifies the desired state of an object: its protobuf encoding when it
// has one (Kubernetes' own kinds; map keys are sorted, so the bytes are stable), which
// costs a tenth of JSON's, else its JSON.
func desiredHash(desired client.Object) uint64 {
	if m, ok := desired.(interface{ Marshal() ([]byte, error) }); ok {
		if raw, err := m.Marshal(); err == nil {
			return hash64(KindOf(desired), string(raw))
		}
	}
	if u, ok := desired.(*unstructured.Unstructured); ok {
		// The kinds of other projects (HTTPRoute, Certificate, DNSEndpoint) are built
		// as unstructured: hashed by walking the map, at a third of encoding it.
		h := fnvOffset
		h.value(u.Object)
		return uint64(h)
	}
	raw, err := json.Marshal(desired)
	if err != nil {
		return 0
	}
	return hash64(string(raw))
}

// fnv64a is FNV-1a over what value writes, without allocating.
type fnv64a uint64

const fnvOffset fnv64a = 14695981039346656037

func (h *fnv64a) byte(b byte) { *h = (*h ^ fnv64a(b)) * 1099511628211 }

func (h *fnv64a) uint64(tag byte, n uint64) {
	h.byte(tag)
	for range 8 {
		h.byte(byte(n))
		n >>= 8
	}
}

func (h *fnv64a) string(s string) {
	h.uint64('s', uint64(len(s)))
	for i := 0; i < len(s); i++ {
		h.byte(s[i])
	}
}

// value writes v, a value of an unstructured object: maps in key order, each value
// after a tag of its type and strings and lists after their length, so that different
// values write different bytes.
func (h *fnv64a) value(v any) {
	switch x := v.(type) {
	case nil:
		h.byte('n')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		h.uint64('m', uint64(len(x)))
		for _, k := range keys {
			h.string(k)
			h.value(x[k])
		}
	case []any:
		h.uint64('a', uint64(len(x)))
		for _, e := range x {
			h.value(e)
		}
	case string:
		h.string(x)
	case bool:
		if x {
			h.byte('t')
		} else {
			h.byte('f')
		}
	case int64:
		h.uint64('i', uint64(x))
	default:
		// Other numbers and whatever else code put in: as JSON.
		raw, _ := json.Marshal(x)
		h.byte('j')
		h.string(string(raw))
	}
}
