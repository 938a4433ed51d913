package controllers

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// recordGrant writes "<fqdn>": "<namespace> <request>" into the granted-hosts
// ConfigMap, which the host-hijacking admission policy reads. A merge patch of one key
// needs no read and does not conflict with the other requests' keys.
func (r *SubdomainRequestReconciler) recordGrant(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	value := r.Config.NamespaceFor(sdr.Spec.Subdomain) + " " + sdr.Name
	return r.patchGrant(ctx, r.Config.FQDN(sdr.Spec.Subdomain), &value)
}

// releaseGrant removes the request's host from the granted-hosts ConfigMap.
func (r *SubdomainRequestReconciler) releaseGrant(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	return r.patchGrant(ctx, r.Config.FQDN(sdr.Spec.Subdomain), nil)
}

func (r *SubdomainRequestReconciler) patchGrant(ctx context.Context, host string, value *string) error {
	ref := r.Config.GrantedHosts
	patch, err := json.Marshal(map[string]any{"data": map[string]*string{host: value}})
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name}}
	err = r.Patch(ctx, cm, client.RawPatch(client.Merge.Type(), patch), client.FieldOwner(FieldManager))
	if apierrors.IsNotFound(err) && value != nil {
		cm.Data = map[string]string{host: *value}
		cm.Labels = map[string]string{"app.kubernetes.io/managed-by": "subdomain-operator"}
		err = r.Create(ctx, cm, client.FieldOwner(FieldManager))
		if apierrors.IsAlreadyExists(err) {
			return r.patchGrant(ctx, host, value)
		}
	}
	if apierrors.IsNotFound(err) && value == nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording the grant of %s in ConfigMap %s/%s: %w", host, ref.Namespace, ref.Name, err)
	}
	return nil
}
