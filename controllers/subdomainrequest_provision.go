package controllers

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// provisionState is what step 5 achieved in this reconcile.
type provisionState struct {
	namespaceReady bool
	ingressReady   bool
	dnsReady       bool
	dnsMessage     string
	dnsReason      string
	conflict       string // an object of ours already exists and belongs to someone else
	conflictKind   string
	// elsewhere are the objects outside the site namespace that serve or publish
	// the host (they predate the grant): reported, never silently shared.
	elsewhere []string
	ready     bool
	started        bool
}

// reconcileProvisioning claims the name and creates or repairs the site.
func (r *SubdomainRequestReconciler) reconcileProvisioning(ctx context.Context, sdr *hostingv1.SubdomainRequest, st *state) (ctrl.Result, error) {
	st.prov.started = true
	claimed, err := r.claimName(ctx, sdr, st)
	if err != nil || !claimed {
		return ctrl.Result{RequeueAfter: conflictRetry(st)}, err
	}
	st.prov.namespaceReady = true
	// The grant and the nine objects in the Namespace depend on the Namespace only, not
	// on each other: they are written at the same time, so that the request waits for
	// the slowest write rather than for the sum of them.
	children := desiredChildren(r.Config, sdr)
	outcomes := make([]outcome, len(children))
	errs := make([]error, len(children)+1)
	var wg sync.WaitGroup
	wg.Go(func() { errs[len(children)] = r.ensureGrant(ctx, sdr) })
	for i, desired := range children {
		wg.Go(func() {
			outcomes[i], errs[i] = r.ensure(ctx, sdr, desired)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("provisioning %s %s/%s: %w", kindOf(desired), desired.GetNamespace(), desired.GetName(), errs[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return ctrl.Result{}, err
	}
	sdr.Status.Namespace = r.Config.NamespaceFor(sdr.Spec.Subdomain)
	sdr.Status.URL = siteURL(r.Config, sdr)

	for i, desired := range children {
		switch {
		case outcomes[i] == outcomeConflict || outcomes[i] == outcomeTaken:
			if st.prov.conflict == "" { // the first in the list is reported
				st.prov.conflict = fmt.Sprintf("%s %s/%s exists and was not created by this operator; it is left untouched", kindOf(desired), desired.GetNamespace(), desired.GetName())
				st.prov.conflictKind = kindOf(desired)
			}
			if _, isIngress := desired.(*networkingv1.Ingress); !isIngress {
				if _, isDNS := desired.(*externaldnsv1.DNSEndpoint); !isDNS {
					st.prov.namespaceReady = false
				}
			}
		case isKind[*networkingv1.Ingress](desired):
			st.prov.ingressReady = true
		}
	}
	if st.prov.conflict != "" && st.prov.conflictKind == "DNSEndpoint" {
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	}

	wait := r.checkDNS(ctx, sdr, st)
	st.prov.elsewhere = r.servedElsewhere(sdr)
	st.prov.ready = st.prov.namespaceReady && st.prov.ingressReady && st.prov.dnsReady && st.prov.conflict == "" && len(st.prov.elsewhere) == 0
	if st.prov.conflict != "" {
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

// ensureFinalizer makes the operator's cleanup part of the request's deletion. It is
// added when the operator first sees a request (Reconcile), so that the path from the
// last approval to the site does not wait for it.
func (r *SubdomainRequestReconciler) ensureFinalizer(ctx context.Context, sdr *hostingv1.SubdomainRequest) error {
	if controllerutil.ContainsFinalizer(sdr, hostingv1.Finalizer) {
		return nil
	}
	patch := client.MergeFrom(sdr.DeepCopy())
	controllerutil.AddFinalizer(sdr, hostingv1.Finalizer)
	if err := r.Patch(ctx, sdr, patch); err != nil {
		return fmt.Errorf("adding finalizer: %w", err)
	}
	return nil
}

func conflictRetry(st *state) time.Duration {
	if st.prov.conflict != "" {
		return time.Minute
	}
	return 0
}

// claimName makes the name this request's by creating its Namespace: creation is
// atomic in the API server, so of two requests approved at the same moment exactly one
// gets it. The other finds the Namespace labelled for another request and goes back to
// the applicant; a Namespace that no request made is reported, never adopted.
func (r *SubdomainRequestReconciler) claimName(ctx context.Context, sdr *hostingv1.SubdomainRequest, st *state) (bool, error) {
	desired := desiredNamespace(r.Config, sdr)
	out, existing, err := r.ensureObject(ctx, sdr, desired)
	if err != nil {
		return false, fmt.Errorf("claiming Namespace %s: %w", desired.Name, err)
	}
	switch out {
	case outcomeCreated:
		ctrl.LoggerFrom(ctx).Info("claimed name", "subdomain", sdr.Spec.Subdomain, "namespace", desired.Name)
		return true, nil
	case outcomeUnchanged, outcomeUpdated:
		return true, nil
	}
	if owner := existing.GetLabels()[hostingv1.RequestLabel]; owner != "" {
		st.name.Available = false
		st.name.Reason = hostingv1.ReasonNameClaimed
		st.name.Message = fmt.Sprintf("%s is already granted to request %s (Namespace %s)", r.Config.FQDN(sdr.Spec.Subdomain), owner, existing.GetName())
		return false, nil
	}
	st.prov.conflict = fmt.Sprintf("Namespace %s exists and was not created by this operator; it is left untouched", existing.GetName())
	st.prov.conflictKind = "Namespace"
	return false, nil
}

type outcome int

const (
	outcomeUnchanged outcome = iota
	outcomeCreated
	outcomeUpdated
	outcomeConflict
	outcomeReleased
	outcomeTaken // labelled for another request
)

// ensure creates desired when missing and puts it back when it drifted. It writes
// nothing when the object already holds what we want, and never touches an object
// that another owner made (or that the applicant took over, for the starter site).
func (r *SubdomainRequestReconciler) ensure(ctx context.Context, sdr *hostingv1.SubdomainRequest, desired client.Object) (outcome, error) {
	out, _, err := r.ensureObject(ctx, sdr, desired)
	return out, err
}

// ensureObject is ensure, returning also the metadata of the object found when it is
// not ours (outcomeConflict, outcomeReleased, outcomeTaken).
func (r *SubdomainRequestReconciler) ensureObject(ctx context.Context, sdr *hostingv1.SubdomainRequest, desired client.Object) (outcome, client.Object, error) {
	kind := kindOf(desired)
	key, want := objectKey(kind, desired), desiredHash(desired)
	entry, found, _ := r.children.get(kind, desired.GetNamespace(), desired.GetName())
	if !found {
		created := desired.DeepCopyObject().(client.Object)
		err := r.Create(ctx, created, client.FieldOwner(FieldManager))
		if err == nil {
			r.verified.set(key, created.GetResourceVersion(), want)
			return outcomeCreated, created, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return outcomeUnchanged, nil, err
		}
		// The store follows only what carries a request label (and all Ingresses and
		// DNSEndpoints): whatever is there is not ours, or was just made. Ask the API
		// server.
	} else {
		switch {
		case entry.request == sdr.Name:
			if r.verified.ok(key, entry.resourceVersion, want) {
				return outcomeUnchanged, nil, nil
			}
		case entry.request != "":
			taken := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: desired.GetNamespace(), Name: desired.GetName(),
				Labels: map[string]string{hostingv1.RequestLabel: entry.request}}}
			return outcomeTaken, taken, nil
		}
	}
	// Changed since we last looked (or never looked, since the operator started): read
	// the object itself and compare.
	existing := desired.DeepCopyObject().(client.Object)
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(desired), existing); err != nil {
		return outcomeUnchanged, nil, err
	}
	if out, foreign := r.ownership(sdr, existing); foreign {
		return out, existing, nil
	}
	if subset(desired, existing) {
		r.verified.set(key, existing.GetResourceVersion(), want)
		return outcomeUnchanged, existing, nil
	}
	applied, err := r.apply(ctx, desired)
	if err != nil {
		return outcomeUnchanged, nil, err
	}
	r.verified.set(key, applied.GetResourceVersion(), want)
	return outcomeUpdated, applied, nil
}

// ownership says whether an existing object is someone else's, and how: taken by
// another request, released by the applicant (a starter site object whose request
// label they removed), or made by someone else.
func (r *SubdomainRequestReconciler) ownership(sdr *hostingv1.SubdomainRequest, existing client.Object) (outcome, bool) {
	owner := existing.GetLabels()[hostingv1.RequestLabel]
	switch {
	case owner == sdr.Name:
		return outcomeUnchanged, false
	case owner != "":
		return outcomeTaken, true
	case existing.GetAnnotations()[StarterSiteAnnotation] == "true" && existing.GetLabels()[hostingv1.SubdomainLabel] == sdr.Spec.Subdomain:
		return outcomeReleased, true
	default:
		return outcomeConflict, true
	}
}

func (r *SubdomainRequestReconciler) apply(ctx context.Context, desired client.Object) (client.Object, error) {
	obj := desired.DeepCopyObject().(client.Object)
	obj.SetResourceVersion("")
	obj.SetManagedFields(nil)
	//nolint:staticcheck // typed objects with SSA: the apply-configuration API needs generated types per kind.
	return obj, r.Patch(ctx, obj, client.Apply, client.FieldOwner(FieldManager), client.ForceOwnership)
}

// subset reports whether every field set in desired has the same value in existing:
// server-side defaults in existing do not count as drift.
func subset(desired, existing client.Object) bool {
	d, err1 := runtime.DefaultUnstructuredConverter.ToUnstructured(desired)
	e, err2 := runtime.DefaultUnstructuredConverter.ToUnstructured(existing)
	if err1 != nil || err2 != nil {
		return false
	}
	dm := d["metadata"].(map[string]any)
	d["metadata"] = map[string]any{"labels": dm["labels"], "annotations": dm["annotations"], "ownerReferences": dm["ownerReferences"]}
	delete(d, "status")
	delete(d, "apiVersion")
	delete(d, "kind")
	return contains(e, d)
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

// checkDNS sets DNSReady from the authoritative server's answer and returns when to
// ask again: soon at first, then backing off to 30 seconds.
func (r *SubdomainRequestReconciler) checkDNS(ctx context.Context, sdr *hostingv1.SubdomainRequest, st *state) time.Duration {
	fqdn := r.Config.FQDN(sdr.Spec.Subdomain)
	if r.DNS == nil {
		st.prov.dnsReady, st.prov.dnsReason = true, "NotVerified"
		st.prov.dnsMessage = "the DNSEndpoint is published; no DNS server is configured to verify the answer"
		return 0
	}
	ans, err := r.DNS.Lookup(ctx, fqdn)
	switch {
	case err != nil:
		st.prov.dnsReason, st.prov.dnsMessage = hostingv1.ReasonDNSNotAnswering, err.Error()
	case ans.Matches(r.Config.IngressTarget.IPs, r.Config.IngressTarget.CNAME):
		st.prov.dnsReady, st.prov.dnsReason = true, hostingv1.ReasonDNSAnswering
		st.prov.dnsMessage = fmt.Sprintf("%s answers %s for %s", ans.Server, strings.Join(ans.Records, ", "), fqdn)
		return 0
	case ans.NXDomain():
		st.prov.dnsReason, st.prov.dnsMessage = hostingv1.ReasonDNSNotAnswering, fmt.Sprintf("%s answers NXDOMAIN for %s (external-dns has not published it yet)", ans.Server, fqdn)
	default:
		st.prov.dnsReason, st.prov.dnsMessage = hostingv1.ReasonDNSNotAnswering, fmt.Sprintf("%s answers %q for %s, not the configured target", ans.Server, ans.Records, fqdn)
	}
	since := st.now
	if c := meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionDNSReady); c != nil && c.Status != "True" {
		since = c.LastTransitionTime.Time
	}
	return dnsBackoff(st.now.Sub(since))
}

// dnsBackoff grows with the time already spent waiting: 500ms, then a quarter of the
// wait so far, at most 30s.
func dnsBackoff(waited time.Duration) time.Duration {
	d := waited / 4
	if d < 500*time.Millisecond {
		d = 500 * time.Millisecond
	}
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	return d
}

func (r *SubdomainRequestReconciler) setProvisioningConditions(sdr *hostingv1.SubdomainRequest, st *state) {
	p := st.prov
	if !p.started {
		return
	}
	switch {
	case p.conflictKind == "Namespace" || (p.conflict != "" && !p.namespaceReady):
		setCondition(sdr, hostingv1.ConditionNamespaceReady, false, hostingv1.ReasonConflict, p.conflict)
	case p.namespaceReady:
		setCondition(sdr, hostingv1.ConditionNamespaceReady, true, hostingv1.ReasonProvisioned,
			fmt.Sprintf("Namespace %s with quota, limits, network policy and the group %s as editors", sdr.Status.Namespace, sdr.Spec.Applicant.Group))
	default:
		setCondition(sdr, hostingv1.ConditionNamespaceReady, false, hostingv1.ReasonProvisioning, "the Namespace is not provisioned yet")
	}
	switch {
	case p.conflictKind == "Ingress":
		setCondition(sdr, hostingv1.ConditionIngressReady, false, hostingv1.ReasonConflict, p.conflict)
	case p.ingressReady:
		setCondition(sdr, hostingv1.ConditionIngressReady, true, hostingv1.ReasonProvisioned, "Ingress "+sdr.Status.Namespace+"/"+SiteName+" serves "+sdr.Status.URL)
	default:
		setCondition(sdr, hostingv1.ConditionIngressReady, false, hostingv1.ReasonProvisioning, "the Ingress is not provisioned yet")
	}
	if len(p.elsewhere) > 0 {
		setCondition(sdr, hostingv1.ConditionHostExclusive, false, hostingv1.ReasonHostServedElsewhere,
			fmt.Sprintf("%s is also served or published outside namespace %s, by %s; the platform team must remove them before the site is Ready",
				r.Config.FQDN(sdr.Spec.Subdomain), sdr.Status.Namespace, strings.Join(p.elsewhere, ", ")))
	} else if p.namespaceReady {
		setCondition(sdr, hostingv1.ConditionHostExclusive, true, hostingv1.ReasonHostExclusive,
			fmt.Sprintf("only namespace %s serves and publishes %s", sdr.Status.Namespace, r.Config.FQDN(sdr.Spec.Subdomain)))
	}
	switch {
	case p.conflictKind == "DNSEndpoint":
		setCondition(sdr, hostingv1.ConditionDNSReady, false, hostingv1.ReasonConflict, p.conflict)
	case p.dnsReason == "":
		setCondition(sdr, hostingv1.ConditionDNSReady, false, hostingv1.ReasonProvisioning, "the DNS record is not published yet")
	default:
		setCondition(sdr, hostingv1.ConditionDNSReady, p.dnsReady, p.dnsReason, p.dnsMessage)
	}
}

func kindOf(obj client.Object) string {
	if k := obj.GetObjectKind().GroupVersionKind().Kind; k != "" {
		return k
	}
	return reflect.TypeOf(obj).Elem().Name()
}

func isKind[T client.Object](obj client.Object) bool {
	_, ok := obj.(T)
	return ok
}
