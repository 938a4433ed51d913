package controllers

import (
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// CacheOptions keeps the cache to the SubdomainRequests, and of their managedFields
// only the entries that date a decision. The provisioned objects, Ingresses and
// DNSEndpoints are followed by childStore instead, at a fraction of the memory.
// Of ConfigMaps it holds only the 32 granted-hosts maps, which every provisioning pass
// checks.
func CacheOptions(cfg config.Config) cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&hostingv1.SubdomainRequest{}: {Transform: transformRequest},
		&corev1.ConfigMap{}: {Namespaces: map[string]cache.Config{cfg.GrantedHosts.Namespace: {
			LabelSelector: labels.SelectorFromSet(labels.Set{GrantShardLabel: cfg.GrantedHosts.Name})}}},
	}}
}

// lastApplied is kubectl's copy of the whole object, often its largest annotation.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

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
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields); err != nil {
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
			FieldsType: mf.FieldsType, FieldsV1: metav1.NewFieldsV1(string(raw))})
	}
	sdr.ManagedFields = keep
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
