package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	ctrl "sigs.k8s.io/controller-runtime"
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

// ensureGrant makes sure the host's granted-hosts ConfigMap holds "<fqdn>":
// "<namespace> <request>", which the host-hijacking admission policy reads. It is
// checked on every provisioning pass against the cached maps (a read from memory) and
// written only when the entry is missing or wrong: a grant someone removed is put back.
func (r *SubdomainRequestReconciler) ensureGrant(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	host := r.Config.FQDN(sdr.Spec.Subdomain)
	value := r.Config.NamespaceFor(sdr.Spec.Subdomain) + " " + sdr.Name
	ref := r.Config.GrantedHosts
	cm := &corev1.ConfigMap{}
	err := r.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: GrantShard(ref.Name, host)}, cm)
	if err == nil && cm.Data[host] == value {
		return nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading the grant of %s: %w", host, err)
	}
	if err == nil && cm.Data[host] != "" {
		ctrl.LoggerFrom(ctx).Info("restoring a changed grant", "host", host, "found", cm.Data[host], "want", value)
	}
	return r.patchGrant(ctx, host, &value)
}

// releaseGrant removes the request's host from its granted-hosts ConfigMap. Only the
// Delete policy does this, once the site is gone: a retained site keeps its host.
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
		cm.Labels = map[string]string{GrantShardLabel: ref.Name, hostingv1.ManagedByLabel: hostingv1.ManagedByValue}
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

// requestsForGrantChanges brings back the requests whose grant entry changed or
// vanished in a granted-hosts ConfigMap, so that ensureGrant puts it back.
func (r *SubdomainRequestReconciler) requestsForGrantChanges(ctx context.Context, old, cur *corev1.ConfigMap) []reconcile.Request {
	var hosts []string
	for host, value := range old.Data {
		if cur == nil || cur.Data[host] != value {
			hosts = append(hosts, host)
		}
	}
	return r.requestsForHosts(ctx, hosts)
}
