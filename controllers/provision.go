package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/apply"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
)

// Step 5 of the SOP, the technical staff's work: claim the name, make the site.

// claim is the outcome of claiming the name.
type claim struct {
	// claimed: the Namespace is this request's.
	claimed bool
	// takenBy: another request holds the Namespace (it won the race for the name).
	takenBy, takenNamespace string
	// conflict: a Namespace of that name exists and nobody's request made it.
	conflict string
}

// claimName makes the name this request's by creating its Namespace: creation is
// atomic in the API server, so of two requests approved at the same moment exactly one
// gets it. A Namespace that no request made is reported, never adopted.
func (r *SubdomainRequestReconciler) claimName(ctx context.Context, sdr *hostingv1.SubdomainRequest, namespace apply.Wanted) (claim, error) {
	desired := namespace.Object
	out, existing, err := r.applier.Ensure(ctx, r.owner(sdr), namespace)
	if err != nil {
		return claim{}, fmt.Errorf("claiming Namespace %s: %w", desired.GetName(), err)
	}
	switch {
	case out == apply.Created:
		ctrl.LoggerFrom(ctx).Info("claimed name", "subdomain", sdr.Spec.Subdomain, "namespace", desired.GetName())
		return claim{claimed: true}, nil
	case !out.Foreign():
		return claim{claimed: true}, nil
	case existing.GetLabels()[hostingv1.RequestLabel] != "":
		return claim{takenBy: existing.GetLabels()[hostingv1.RequestLabel], takenNamespace: existing.GetName()}, nil
	default:
		return claim{conflict: fmt.Sprintf("Namespace %s exists and was not created by this operator; it is left untouched", existing.GetName())}, nil
	}
}

// wantedSite is the site as one reconcile wants it: each object the configuration
// uses, the Namespace first, built and hashed once (apply.Want) beside its part.
type wantedSite struct {
	objects []apply.Wanted
	parts   []part
}

func (r *SubdomainRequestReconciler) wantedSite(sdr *hostingv1.SubdomainRequest) wantedSite {
	var site wantedSite
	for _, p := range partsFor(r.Config) {
		if obj := p.build(r.Config, sdr); obj != nil {
			site.objects = append(site.objects, apply.Want(obj))
			site.parts = append(site.parts, p)
		}
	}
	return site
}

// provisioned is what making the site achieved in one reconcile.
type provisioned struct {
	// ready, per condition the parts affect (NamespaceReady, IngressReady): every part
	// of that group exists and is the request's.
	ready map[string]bool
	// conflict names the first part somebody else made, and the condition it affects.
	conflict, conflictAffects string
	// notServing has, for each readiness condition that applies (RouteAccepted,
	// CertificateReady, SiteAvailable), what is missing: "" when the part serves.
	notServing map[string]string
	// digest is the apply.SiteDigest of the site when every part is the request's.
	digest string
}

// serving reports whether every readiness condition that applies holds.
func (p provisioned) serving() bool {
	for _, why := range p.notServing {
		if why != "" {
			return false
		}
	}
	return true
}

// provisionSite creates or repairs every other part of the site and checks the grant.
// The grant and the parts depend on the Namespace only, not on each other: they are
// written at the same time, so that the request waits for the slowest write rather
// than for the sum of them.
func (r *SubdomainRequestReconciler) provisionSite(ctx context.Context, sdr *hostingv1.SubdomainRequest, site wantedSite) (provisioned, error) {
	wanted, wantedParts := site.objects[1:], site.parts[1:]
	outcomes := make([]apply.Outcome, len(wanted))
	found := make([]client.Object, len(wanted))
	errs := make([]error, len(wanted)+1)
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[len(wanted)] = r.grants().Ensure(ctx, r.Config.FQDN(sdr.Spec.Subdomain), grants.Value(r.Config.NamespaceFor(sdr.Spec.Subdomain), sdr.Name))
	})
	for i, w := range wanted {
		wg.Go(func() {
			desired := w.Object
			outcomes[i], found[i], errs[i] = r.applier.Ensure(ctx, r.owner(sdr), w)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("provisioning %s %s/%s: %w", apply.KindOf(desired), desired.GetNamespace(), desired.GetName(), errs[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return provisioned{}, err
	}
	res := provisioned{ready: map[string]bool{hostingv1.ConditionNamespaceReady: true, hostingv1.ConditionIngressReady: true},
		notServing: map[string]string{}}
	foreign := false
	for i, w := range wanted {
		desired := w.Object
		if p := wantedParts[i]; p.ready != nil {
			why, err := r.notServing(p, desired, outcomes[i], found[i])
			if err != nil {
				return provisioned{}, err
			}
			res.notServing[p.serves] = why
		}
		// A starter-site object the applicant took over (Released) is theirs now, as
		// designed; only an object somebody else made, or another request's, blocks.
		foreign = foreign || outcomes[i].Foreign()
		if outcomes[i] != apply.Conflict && outcomes[i] != apply.Taken {
			continue
		}
		p := partOf(apply.KindOf(desired))
		res.ready[p.affects] = false
		if res.conflict == "" { // the first in the table is reported
			res.conflict = fmt.Sprintf("%s %s/%s exists and was not created by this operator; it is left untouched", p.kind, desired.GetNamespace(), desired.GetName())
			res.conflictAffects = p.affects
		}
	}
	if !foreign {
		// Every object holds what it should, at the version the store will show:
		// what a restarted operator needs to trust them unread (rememberSite).
		res.digest = r.applier.SiteDigest(site.objects)
	}
	return res, nil
}

// rememberSite lets the site's objects go unread at the request's first reconcile in
// this process when the site store holds each of them at the version the request's
// siteDigest recorded (restart.go).
func (r *SubdomainRequestReconciler) rememberSite(sdr *hostingv1.SubdomainRequest, site wantedSite) {
	if sdr.Status.Namespace == "" || r.applier.Knows(site.objects[0]) {
		return
	}
	result := digestMissing
	if sdr.Status.SiteDigest != "" {
		result = digestChanged
		if r.applier.RememberSite(r.owner(sdr), sdr.Status.SiteDigest, site.objects) {
			result = digestMatched
		}
	}
	siteDigestChecks.WithLabelValues(result).Inc()
}

// notServing reads whether a part serves, from the status its own controller wrote: the
// store's answer for the operator's object; for the applicant's object, once they took
// the starter site over, the object as the applier just read it (existing).
func (r *SubdomainRequestReconciler) notServing(p part, desired client.Object, out apply.Outcome, existing client.Object) (string, error) {
	switch out {
	case apply.Conflict, apply.Taken:
		return fmt.Sprintf("%s %s is not this site's", p.kind, desired.GetName()), nil
	case apply.Released:
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(existing)
		if err != nil {
			return "", fmt.Errorf("reading the applicant's %s %s: %w", p.kind, desired.GetName(), err)
		}
		return p.ready(&unstructured.Unstructured{Object: m}), nil
	}
	e, found, _ := r.store.Get(p.kind, desired.GetNamespace(), desired.GetName())
	if !found {
		return fmt.Sprintf("%s %s was just created; its controller has not reported on it yet", p.kind, desired.GetName()), nil
	}
	return e.NotReady, nil
}

// ensureFinalizer makes the operator's cleanup part of the request's deletion. It is
// added when the operator first sees a request, so that the path from the last
// approval to the site does not wait for it, and put back if a cluster administrator
// removed it. It reports whether it wrote: sdr is then the API server's answer.
func (r *SubdomainRequestReconciler) ensureFinalizer(ctx context.Context, sdr *hostingv1.SubdomainRequest) (bool, error) {
	if controllerutil.ContainsFinalizer(sdr, hostingv1.Finalizer) {
		return false, nil
	}
	patch := client.MergeFrom(sdr.DeepCopy())
	controllerutil.AddFinalizer(sdr, hostingv1.Finalizer)
	if err := r.Patch(ctx, sdr, patch); err != nil {
		return false, fmt.Errorf("adding finalizer: %w", err)
	}
	return true, nil
}

func (r *SubdomainRequestReconciler) owner(sdr *hostingv1.SubdomainRequest) apply.Owner {
	return apply.Owner{Request: sdr.Name, Subdomain: sdr.Spec.Subdomain}
}

func (r *SubdomainRequestReconciler) grants() grants.Book {
	return grants.Book{Client: r.Client, Ref: r.Config.GrantedHosts, FieldManager: FieldManager}
}
