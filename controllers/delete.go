package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// dnsWithdrawTimeout bounds how long deletion waits for the DNS server to stop
// answering before it goes on with the route and the Namespace.
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
		sdr.Status.Phase, sdr.Status.WaitingFor = hostingv1.PhaseDeleting, hostingv1.WaitingForOperator
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
		if err := r.grants().Release(ctx, r.Config.FQDN(sdr.Spec.Subdomain)); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err := r.removeFinalizer(ctx, sdr); err != nil {
		return ctrl.Result{}, err
	}
	for _, obj := range DesiredObjects(r.Config, sdr) {
		r.applier.Forget(obj)
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

// releaseSite drops the operator's ownership of every part of the site and leaves the
// objects, their data and the DNS record in place.
func (r *SubdomainRequestReconciler) releaseSite(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	for _, p := range siteParts {
		obj, key := p.newObject(), p.key(r.Config, sdr)
		if err := r.APIReader.Get(ctx, key, obj); err != nil {
			if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
				continue
			}
			return fmt.Errorf("reading %s %s: %w", p.kind, key, err)
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
		ann[hostingv1.RetainedFromAnnotation] = sdr.Name
		obj.SetAnnotations(ann)
		if err := r.Patch(ctx, obj, client.MergeFrom(base)); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("releasing %s %s: %w", p.kind, key, err)
		}
	}
	return nil
}

// deleteSite deletes the parts in the table's deletion order: the DNS record first,
// waiting until the DNS server stops answering, then the route, then the Namespace
// with the rest. It returns how long to wait before looking again while a step is
// still under way.
func (r *SubdomainRequestReconciler) deleteSite(ctx context.Context, sdr *hostingv1.SubdomainRequest) (time.Duration, error) {
	for _, p := range deletionOrder() {
		gone, err := r.deleteOwned(ctx, sdr, p)
		if err != nil {
			return 0, err
		}
		if !gone {
			if p.kind == namespacePart.kind {
				return 0, nil // Terminating: the namespace controller finishes it
			}
			return time.Second, nil
		}
		// Wait for the record to go only if it was ours: a request that never got its
		// site (returned, rejected, still pending) may name a host someone else serves.
		if p.affects == hostingv1.ConditionDNSReady && r.DNS != nil && sdr.Status.Namespace != "" &&
			time.Since(sdr.DeletionTimestamp.Time) < dnsWithdrawTimeout {
			ans, err := r.DNS.Lookup(ctx, r.Config.FQDN(sdr.Spec.Subdomain))
			if err == nil && len(ans.Records) > 0 {
				return 2 * time.Second, nil // external-dns has not withdrawn the record yet
			}
		}
	}
	return 0, nil
}

// deleteOwned deletes the part's object if it is the request's; gone reports that it
// no longer exists (or is not the request's to delete).
func (r *SubdomainRequestReconciler) deleteOwned(ctx context.Context, sdr *hostingv1.SubdomainRequest, p part) (gone bool, err error) {
	obj, key := p.newObject(), p.key(r.Config, sdr)
	if err := r.APIReader.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
			return true, nil
		}
		return false, fmt.Errorf("reading %s %s: %w", p.kind, key, err)
	}
	if obj.GetLabels()[hostingv1.RequestLabel] != sdr.Name {
		return true, nil
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return false, nil
	}
	if err := r.Delete(ctx, obj, client.PropagationPolicy(metav1.DeletePropagationBackground)); err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("deleting %s %s: %w", p.kind, key, err)
	}
	return false, nil
}
