package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// RetainedFromAnnotation marks what a deleted request with deletionPolicy Retain left
// behind: the request's name, so the platform team can find it again.
const RetainedFromAnnotation = "hosting.kuduskab.go.id/retained-from-request"

// dnsWithdrawTimeout bounds how long deletion waits for the DNS server to stop
// answering before it goes on with the Ingress and the Namespace.
const dnsWithdrawTimeout = 5 * time.Minute

// reconcileDelete carries out the deletion policy, then lets the request go.
func (r *SubdomainRequestReconciler) reconcileDelete(ctx context.Context, sdr *hostingv1.SubdomainRequest) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(sdr, hostingv1.Finalizer) {
		return ctrl.Result{}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	if nothing, err := r.neverProvisioned(ctx, sdr); err != nil {
		return ctrl.Result{}, err
	} else if nothing {
		// Pending, returned or rejected: there is nothing to release or delete.
		return ctrl.Result{}, r.removeFinalizer(ctx, sdr)
	}
	if sdr.Status.Phase != hostingv1.PhaseDeleting {
		base := sdr.DeepCopy()
		sdr.Status.Phase, sdr.Status.WaitingFor = hostingv1.PhaseDeleting, "operator"
		if err := r.Status().Patch(ctx, sdr, client.MergeFrom(base)); err != nil && !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("recording deletion: %w", err)
		}
	}
	var err error
	var wait time.Duration
	if sdr.Spec.DeletionPolicy == hostingv1.DeletionPolicyDelete {
		wait, err = r.deleteSite(ctx, sdr)
	} else {
		err = r.releaseSite(ctx, sdr)
	}
	if err != nil || wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, err
	}
	// With Delete the site is gone and so is the grant. A retained site keeps its host
	// granted to its namespace (its Namespace keeps the subdomain label, the map keeps
	// the entry) until a platform administrator releases it (docs/security.md).
	if sdr.Spec.DeletionPolicy == hostingv1.DeletionPolicyDelete {
		if err := r.releaseGrant(ctx, sdr); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.removeFinalizer(ctx, sdr); err != nil {
		return ctrl.Result{}, err
	}
	for _, obj := range DesiredObjects(r.Config, sdr) {
		r.verified.forget(objectKey(kindOf(obj), obj))
	}
	log.Info("request deleted", "subdomain", sdr.Spec.Subdomain, "deletionPolicy", sdr.Spec.DeletionPolicy)
	return ctrl.Result{}, nil
}

func (r *SubdomainRequestReconciler) removeFinalizer(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	patch := client.MergeFrom(sdr.DeepCopy())
	controllerutil.RemoveFinalizer(sdr, hostingv1.Finalizer)
	return client.IgnoreNotFound(r.Patch(ctx, sdr, patch))
}

// neverProvisioned reports whether the request never got a site: no Namespace was
// recorded in its status, and none labelled for it exists (the Namespace is the first
// thing made, and the claim).
func (r *SubdomainRequestReconciler) neverProvisioned(ctx context.Context, sdr *hostingv1.SubdomainRequest) (bool, error) {
	if sdr.Status.Namespace != "" {
		return false, nil
	}
	ns := &corev1.Namespace{}
	err := r.APIReader.Get(ctx, client.ObjectKey{Name: r.Config.NamespaceFor(sdr.Spec.Subdomain)}, ns)
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("reading Namespace %s: %w", r.Config.NamespaceFor(sdr.Spec.Subdomain), err)
	}
	return ns.Labels[hostingv1.RequestLabel] != sdr.Name, nil
}

// releaseSite drops the operator's ownership of everything it made and leaves the
// objects, their data and the DNS record in place.
func (r *SubdomainRequestReconciler) releaseSite(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	ns := r.Config.NamespaceFor(sdr.Spec.Subdomain)
	objs := append([]client.Object{&corev1.Namespace{}}, ownedKinds()...)
	for _, obj := range objs {
		key := client.ObjectKey{Namespace: ns, Name: nameOfKind(obj)}
		if _, isNS := obj.(*corev1.Namespace); isNS {
			key = client.ObjectKey{Name: ns}
		}
		if err := r.APIReader.Get(ctx, key, obj); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("reading %T %s: %w", obj, key, err)
		}
		if obj.GetLabels()[hostingv1.RequestLabel] != sdr.Name {
			continue
		}
		base := obj.DeepCopyObject().(client.Object)
		var refs []metav1.OwnerReference
		for _, ref := range obj.GetOwnerReferences() {
			if ref.UID != sdr.UID {
				refs = append(refs, ref)
			}
		}
		obj.SetOwnerReferences(refs)
		labels := obj.GetLabels()
		delete(labels, hostingv1.RequestLabel)
		obj.SetLabels(labels)
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[RetainedFromAnnotation] = sdr.Name
		obj.SetAnnotations(ann)
		if err := r.Patch(ctx, obj, client.MergeFrom(base)); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("releasing %T %s: %w", obj, key, err)
		}
	}
	return nil
}

// deleteSite removes the DNS record first and waits until the DNS server stops
// answering, then the Ingress, then the Namespace. It returns how long to wait before
// looking again while a step is still under way.
func (r *SubdomainRequestReconciler) deleteSite(ctx context.Context, sdr *hostingv1.SubdomainRequest) (time.Duration, error) {
	ns := r.Config.NamespaceFor(sdr.Spec.Subdomain)
	steps := []client.Object{
		&externaldnsv1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: SiteName}},
		&networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: SiteName}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
	}
	for i, obj := range steps {
		gone, err := r.deleteOwned(ctx, sdr, obj)
		if err != nil {
			return 0, err
		}
		if !gone {
			if _, isNS := obj.(*corev1.Namespace); isNS {
				return 0, nil // Terminating: the namespace controller finishes it
			}
			return time.Second, nil
		}
		// Wait for the record to go only if it was ours: a request that never got its
		// site (returned, rejected, still pending) may name a host someone else serves.
		if i == 0 && r.DNS != nil && sdr.Status.Namespace != "" && time.Since(sdr.DeletionTimestamp.Time) < dnsWithdrawTimeout {
			ans, err := r.DNS.Lookup(ctx, r.Config.FQDN(sdr.Spec.Subdomain))
			if err == nil && len(ans.Records) > 0 {
				return 2 * time.Second, nil // external-dns has not withdrawn the record yet
			}
		}
	}
	return 0, nil
}

// deleteOwned deletes obj if it is ours; gone reports that it no longer exists (or
// is not ours to delete).
func (r *SubdomainRequestReconciler) deleteOwned(ctx context.Context, sdr *hostingv1.SubdomainRequest, obj client.Object) (gone bool, err error) {
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("reading %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
	}
	if obj.GetLabels()[hostingv1.RequestLabel] != sdr.Name {
		return true, nil
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return false, nil
	}
	if err := r.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("deleting %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
	}
	return false, nil
}

func nameOfKind(obj client.Object) string {
	switch obj.(type) {
	case *corev1.ResourceQuota:
		return QuotaName
	case *corev1.LimitRange:
		return LimitRangeName
	case *networkingv1.NetworkPolicy:
		return NetworkPolicyName
	case *corev1.ConfigMap:
		return StarterConfigMap
	case *rbacv1.RoleBinding:
		return RoleBindingName
	}
	return SiteName
}
