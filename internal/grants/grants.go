// Package grants records which namespace each granted host belongs to, in the 32
// ConfigMaps the host-hijacking admission policy reads ("<fqdn>": "<namespace>
// <request>"). The maps are installed with the policies (config/policies/
// granted-hosts.yaml); the operator only writes entries.
package grants

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// Shards is the number of ConfigMaps the grants are spread over. The API server
// writes a ConfigMap whole, with optimistic concurrency, so one shared map would make
// every grant wait for the others and cost in proportion to all grants (see
// docs/benchmarks.md); 32 maps keep each small and the writers apart, and the
// host-hijacking policy does 32 map lookups per Ingress. Changing it strands the
// grants already recorded: it is a constant, not a setting.
const Shards = 32

// Shard names the ConfigMap that holds the grant of host: "<prefix>-NN", NN the FNV-1a
// hash of the host modulo Shards.
func Shard(prefix, host string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(host))
	return fmt.Sprintf("%s-%02d", prefix, h.Sum32()%Shards)
}

// Value is a grant entry's value.
func Value(namespace, request string) string { return namespace + " " + request }

// Book reads and writes the grants. Client reads through the operator's cache, which
// holds the 32 maps (a check costs no API call).
type Book struct {
	Client       client.Client
	Ref          config.ObjectRef
	FieldManager string
}

// Ensure makes the host's entry hold value, writing only when it is missing or wrong:
// a grant someone removed is put back on the next provisioning pass.
func (b Book) Ensure(ctx context.Context, host, value string) error {
	cm := &corev1.ConfigMap{}
	// Read only, so the cache's own object: a copy of a shard is some 30 KB at 10,000
	// grants, for one key.
	err := b.Client.Get(ctx, client.ObjectKey{Namespace: b.Ref.Namespace, Name: Shard(b.Ref.Name, host)}, cm, client.UnsafeDisableDeepCopy)
	if err == nil && cm.Data[host] == value {
		return nil
	}
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading the grant of %s: %w", host, err)
	}
	if err == nil && cm.Data[host] != "" {
		ctrl.LoggerFrom(ctx).Info("restoring a changed grant", "host", host, "found", cm.Data[host], "want", value)
	}
	return b.patch(ctx, host, &value)
}

// Release removes the host's entry.
func (b Book) Release(ctx context.Context, host string) error { return b.patch(ctx, host, nil) }

// patch sets or removes one key with a JSON merge patch: no read first, and a write
// to a small map that few other grants share.
func (b Book) patch(ctx context.Context, host string, value *string) error {
	name := Shard(b.Ref.Name, host)
	patch, err := json.Marshal(map[string]any{"data": map[string]*string{host: value}})
	if err != nil {
		return err
	}
	// Patched as metadata: the API server answers with the map's metadata, not the
	// whole map (a shard is some 30 KB at 10,000 grants).
	target := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: b.Ref.Namespace, Name: name}}
	target.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	err = b.Client.Patch(ctx, target, client.RawPatch(client.Merge.Type(), patch), client.FieldOwner(b.FieldManager))
	if apierrors.IsNotFound(err) && value != nil {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: b.Ref.Namespace, Name: name}}
		// Installed with the policies; created here only on an installation that lost
		// it (the policy refuses every Ingress meanwhile).
		cm.Data = map[string]string{host: *value}
		cm.Labels = map[string]string{hostingv1.GrantShardLabel: b.Ref.Name, hostingv1.ManagedByLabel: hostingv1.ManagedByValue}
		err = b.Client.Create(ctx, cm, client.FieldOwner(b.FieldManager))
		if apierrors.IsAlreadyExists(err) {
			return b.patch(ctx, host, value)
		}
	}
	if apierrors.IsNotFound(err) && value == nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording the grant of %s in ConfigMap %s/%s: %w", host, b.Ref.Namespace, name, err)
	}
	return nil
}

// ChangedHosts are the hosts whose entry changed or vanished between two versions of
// a map (cur nil: the map was deleted).
func ChangedHosts(old, cur *corev1.ConfigMap) []string {
	var hosts []string
	for host, value := range old.Data {
		if cur == nil || cur.Data[host] != value {
			hosts = append(hosts, host)
		}
	}
	return hosts
}
