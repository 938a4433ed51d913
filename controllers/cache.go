package controllers

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// What the operator caches, and why so little.
//
// A site is ten objects. Caching them whole costs about 90 KiB of memory per site, so
// the cache keeps:
//   - the Namespace and the seven kinds only the operator makes (quota, limits,
//     network policy, role binding, ConfigMap, Deployment, Service): metadata only,
//     and only those labelled with a request. A change to them is noticed by its
//     resourceVersion or generation, and checked against the API server's copy.
//   - Ingresses and DNSEndpoints, all of them (their hosts decide whether a name is
//     free): reduced to their metadata and hosts.
//   - SubdomainRequests whole, except for the managedFields entries that do not
//     record a decision (the decision times are read from the others).
//
// verified remembers, for each provisioned object, the resourceVersion at which the
// operator last saw it hold what it should. While the cached resourceVersion is the
// same, nothing is read or written; otherwise the object is read from the API server
// and compared. After a restart verified is empty, so each site is read once.

// metadataKinds are cached as metadata only.
func metadataKinds() []client.Object {
	return []client.Object{&corev1.Namespace{}, &corev1.ResourceQuota{}, &corev1.LimitRange{},
		&networkingv1.NetworkPolicy{}, &rbacv1.RoleBinding{}, &corev1.ConfigMap{}, &appsv1.Deployment{}, &corev1.Service{}}
}

// isMetadataKind reports whether obj's kind is cached as metadata only.
func isMetadataKind(obj client.Object) bool {
	switch obj.(type) {
	case *networkingv1.Ingress, *externaldnsv1.DNSEndpoint:
		return false
	}
	return true
}

// CacheOptions keeps the cache to what the operator needs (see above).
func CacheOptions() cache.Options {
	provisioned := labels.Everything()
	if req, err := labels.NewRequirement(hostingv1.RequestLabel, selection.Exists, nil); err == nil {
		provisioned = labels.NewSelector().Add(*req)
	}
	byObject := map[client.Object]cache.ByObject{
		&hostingv1.SubdomainRequest{}: {Transform: transformRequest},
		&networkingv1.Ingress{}:       {Transform: transformIngress},
		&externaldnsv1.DNSEndpoint{}:  {Transform: transformDNSEndpoint},
	}
	for _, obj := range metadataKinds() {
		byObject[obj] = cache.ByObject{Label: provisioned, Transform: transformMetadata}
	}
	return cache.Options{ByObject: byObject}
}

// lastApplied is kubectl's copy of the whole object, often its largest annotation.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

func trimMeta(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	if _, ok := m.Annotations[lastApplied]; ok {
		a := make(map[string]string, len(m.Annotations)-1)
		for k, v := range m.Annotations {
			if k != lastApplied {
				a[k] = v
			}
		}
		m.Annotations = a
	}
}

var _ toolscache.TransformFunc = transformMetadata

func transformMetadata(in any) (any, error) {
	if m, ok := in.(*metav1.PartialObjectMetadata); ok {
		trimMeta(&m.ObjectMeta)
		return m, nil
	}
	// A typed copy would be a second cache beside the metadata one; strip it anyway.
	if o, ok := in.(client.Object); ok {
		o.SetManagedFields(nil)
	}
	return in, nil
}

// transformIngress keeps an Ingress's metadata and the hosts of its rules.
func transformIngress(in any) (any, error) {
	ing, ok := in.(*networkingv1.Ingress)
	if !ok {
		return in, nil
	}
	out := &networkingv1.Ingress{TypeMeta: ing.TypeMeta, ObjectMeta: ing.ObjectMeta}
	trimMeta(&out.ObjectMeta)
	for _, rule := range ing.Spec.Rules {
		if rule.Host != "" {
			out.Spec.Rules = append(out.Spec.Rules, networkingv1.IngressRule{Host: rule.Host})
		}
	}
	return out, nil
}

// transformDNSEndpoint keeps a DNSEndpoint's metadata and its names.
func transformDNSEndpoint(in any) (any, error) {
	ep, ok := in.(*externaldnsv1.DNSEndpoint)
	if !ok {
		return in, nil
	}
	out := &externaldnsv1.DNSEndpoint{TypeMeta: ep.TypeMeta, ObjectMeta: ep.ObjectMeta}
	trimMeta(&out.ObjectMeta)
	for _, e := range ep.Spec.Endpoints {
		if e != nil {
			out.Spec.Endpoints = append(out.Spec.Endpoints, &endpoint.Endpoint{DNSName: e.DNSName})
		}
	}
	return out, nil
}

// transformRequest keeps, of a request's managedFields, only the entries that own an
// approval or rejection annotation, reduced to those annotations: they date the
// decisions (decisionTime). The rest is most of a request's size and never read.
func transformRequest(in any) (any, error) {
	sdr, ok := in.(*hostingv1.SubdomainRequest)
	if !ok {
		return in, nil
	}
	var keep []metav1.ManagedFieldsEntry
	for _, mf := range sdr.ManagedFields {
		if mf.FieldsV1 == nil || mf.Subresource != "" {
			continue
		}
		var fields map[string]map[string]map[string]json.RawMessage
		if err := json.Unmarshal(mf.FieldsV1.Raw, &fields); err != nil {
			continue
		}
		decisions := map[string]json.RawMessage{}
		for k, v := range fields["f:metadata"]["f:annotations"] {
			if strings.HasPrefix(k, "f:"+hostingv1.ApprovalAnnotationPrefix) || strings.HasPrefix(k, "f:"+hostingv1.RejectionAnnotationPrefix) {
				decisions[k] = v
			}
		}
		if len(decisions) == 0 {
			continue
		}
		raw, err := json.Marshal(map[string]any{"f:metadata": map[string]any{"f:annotations": decisions}})
		if err != nil {
			continue
		}
		keep = append(keep, metav1.ManagedFieldsEntry{Manager: mf.Manager, Operation: mf.Operation, Time: mf.Time,
			FieldsType: mf.FieldsType, FieldsV1: &metav1.FieldsV1{Raw: raw}})
	}
	sdr.ManagedFields = keep
	if _, ok := sdr.Annotations[lastApplied]; ok {
		trimMeta(&sdr.ObjectMeta)
		sdr.ManagedFields = keep
	}
	return sdr, nil
}

// verifiedObjects maps a provisioned object to the resourceVersion (and the desired
// state) at which it was last known to hold what it should, as 64-bit hashes: about
// 40 bytes per object.
type verifiedObjects struct {
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

func (v *verifiedObjects) ok(key uint64, resourceVersion string, desired uint64) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	got, ok := v.m[key]
	return ok && got == hash64(resourceVersion, strconv.FormatUint(desired, 16))
}

func (v *verifiedObjects) set(key uint64, resourceVersion string, desired uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[uint64]uint64{}
	}
	v.m[key] = hash64(resourceVersion, strconv.FormatUint(desired, 16))
}

func (v *verifiedObjects) forget(key uint64) {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, key)
}

// desiredHash identifies the desired state of an object.
func desiredHash(desired client.Object) uint64 {
	raw, err := json.Marshal(desired)
	if err != nil {
		return 0
	}
	return hash64(string(raw))
}

// cachedMeta reads an object's cached metadata: as metadata only for the kinds
// cached so, typed (and reduced) for Ingresses and DNSEndpoints.
func (r *SubdomainRequestReconciler) cachedMeta(ctx context.Context, desired client.Object) (client.Object, error) {
	key := client.ObjectKeyFromObject(desired)
	if !isMetadataKind(desired) {
		obj := desired.DeepCopyObject().(client.Object)
		return obj, r.Get(ctx, key, obj)
	}
	gvk, err := apiutil.GVKForObject(desired, r.Scheme())
	if err != nil {
		return nil, err
	}
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	return m, r.Get(ctx, key, m)
}

// driftPredicate passes deletions, and updates that may have changed what the
// operator set: a new generation (spec), labels, annotations or owners, and for kinds
// without a generation any new resourceVersion. Status updates of kinds with a
// generation (a Deployment rolling out) do not pass.
func driftPredicate() predicate.Funcs {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld, e.ObjectNew
			switch {
			case !n.GetDeletionTimestamp().IsZero():
				return true
			case o.GetGeneration() != n.GetGeneration():
				return true
			case n.GetGeneration() == 0 && o.GetResourceVersion() != n.GetResourceVersion():
				return true
			}
			return !equality.Semantic.DeepEqual(o.GetLabels(), n.GetLabels()) ||
				!equality.Semantic.DeepEqual(o.GetAnnotations(), n.GetAnnotations()) ||
				!equality.Semantic.DeepEqual(o.GetOwnerReferences(), n.GetOwnerReferences())
		},
	}
}
