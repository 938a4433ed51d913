// Package requestcache says what the operator's cache holds: the SubdomainRequests,
// of their managedFields only the entries that date a decision, and of ConfigMaps only
// the 32 granted-hosts maps. The provisioned objects, Ingresses and DNSEndpoints are
// followed by internal/sitestore instead, at a fraction of the memory.
package requestcache

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// Options are the cache options of the operator's manager.
func Options(cfg config.Config) cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&hostingv1.SubdomainRequest{}: {Transform: Transform},
		&corev1.ConfigMap{}: {Namespaces: map[string]cache.Config{cfg.GrantedHosts.Namespace: {
			LabelSelector: labels.SelectorFromSet(labels.Set{hostingv1.GrantShardLabel: cfg.GrantedHosts.Name})}}},
	}}
}

// Transform keeps, of a request's managedFields, only the entries that own an
// approval or rejection annotation, reduced to those annotations: they date the
// decisions (decisionTime). The rest is most of a request's size and never read.
func Transform(in any) (any, error) {
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
