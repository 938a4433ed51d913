package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// GrantShards is the number of ConfigMaps the grants are spread over. The API server
// writes a ConfigMap whole, with optimistic concurrency, so one shared map would make
// every grant wait for the others and cost in proportion to all grants (see
// docs/benchmarks.md); 32 maps keep each small and the writers apart, and the
// host-hijacking policy does 32 map lookups per Ingress. Changing it strands the
// grants already recorded: it is a constant, not a setting.
const GrantShards = 32

// GrantShardLabel marks the ConfigMaps of grants; its value is grantedHosts.name from
// the configuration. The host-hijacking policy's binding selects them by it.
const GrantShardLabel = "hosting.kuduskab.go.id/granted-hosts"

// GrantShard names the ConfigMap that holds the grant of host: "<prefix>-NN", NN the
// FNV-1a hash of the host modulo GrantShards.
func GrantShard(prefix, host string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(host))
	return fmt.Sprintf("%s-%02d", prefix, h.Sum32()%GrantShards)
}

// recordGrant writes "<fqdn>": "<namespace> <request>" into the host's granted-hosts
// ConfigMap, which the host-hijacking admission policy reads.
func (r *SubdomainRequestReconciler) recordGrant(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	value := r.Config.NamespaceFor(sdr.Spec.Subdomain) + " " + sdr.Name
	return r.patchGrant(ctx, r.Config.FQDN(sdr.Spec.Subdomain), &value)
}

// releaseGrant removes the request's host from its granted-hosts ConfigMap.
func (r *SubdomainRequestReconciler) releaseGrant(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	return r.patchGrant(ctx, r.Config.FQDN(sdr.Spec.Subdomain), nil)
}

// patchGrant sets or removes one key with a JSON merge patch: no read first, and a
// write to a small map that few other grants share.
func (r *SubdomainRequestReconciler) patchGrant(ctx context.Context, host string, value *string) error {
	ref := r.Config.GrantedHosts
	name := GrantShard(ref.Name, host)
	patch, err := json.Marshal(map[string]any{"data": map[string]*string{host: value}})
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: name}}
	err = r.Patch(ctx, cm, client.RawPatch(client.Merge.Type(), patch), client.FieldOwner(FieldManager))
	if apierrors.IsNotFound(err) && value != nil {
		cm.Data = map[string]string{host: *value}
		cm.Labels = map[string]string{GrantShardLabel: ref.Name, "app.kubernetes.io/managed-by": "subdomain-operator"}
		err = r.Create(ctx, cm, client.FieldOwner(FieldManager))
		if apierrors.IsAlreadyExists(err) {
			return r.patchGrant(ctx, host, value)
		}
	}
	if apierrors.IsNotFound(err) && value == nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording the grant of %s in ConfigMap %s/%s: %w", host, ref.Namespace, name, err)
	}
	return nil
}
