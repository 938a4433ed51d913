package controllers

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// After a restart the operator remembers nothing of what it verified, and each site's
// first reconcile would read every one of its objects to compare it with what it
// should hold: one GET per object, 120,000 of them at 10,000 sites. Instead the site
// store hands over every object of its first list whole (sitestore.Store.Verify), and
// those that belong to a request holding its name and hold what they should are
// remembered as verified, in the pass that fills the store: nothing is read twice.
// The reconciles start once every kind has been listed, so no site is provisioned
// before its objects were seen. An object not remembered here is read and compared by
// its reconcile as usual.

// verifyAtStart is the state of that one pass.
type verifyAtStart struct {
	start time.Time
	// requests are the cached requests that hold a site, taken once, at the first
	// object (the store waits for nothing, but the cache's first list is quick).
	once     sync.Once
	requests map[string]*hostingv1.SubdomainRequest
	parts    map[string]part
	listed   atomic.Int64
	verified atomic.Int64
	logged   sync.Once
}

// verifyListed is the site store's Verify: obj is an object of a provisioned kind, whole,
// as its first list brought it (typed for the kinds built into Kubernetes, else
// unstructured).
func (r *SubdomainRequestReconciler) verifyListed(kind string, obj client.Object) {
	v := &r.atStart
	v.once.Do(func() {
		v.requests, v.parts = map[string]*hostingv1.SubdomainRequest{}, map[string]part{}
		for _, p := range partsFor(r.Config) {
			v.parts[p.kind] = p
		}
		var list hostingv1.SubdomainRequestList
		// The cache's own objects, not a copy of each (10,000 requests are some 50 MB
		// of copies); read only. The cache waits for its first list.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := r.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
			ctrl.Log.WithName("verify-at-start").Error(err, "listing the requests; each site's objects will be read one by one")
			return
		}
		for i := range list.Items {
			if sdr := &list.Items[i]; sdr.Status.Namespace != "" && sdr.DeletionTimestamp.IsZero() {
				v.requests[sdr.Name] = sdr
			}
		}
	})
	v.listed.Add(1)
	sdr := v.requests[obj.GetLabels()[hostingv1.RequestLabel]]
	p, ok := v.parts[kind]
	if sdr == nil || !ok {
		return
	}
	desired := p.build(r.Config, sdr)
	if desired == nil || desired.GetNamespace() != obj.GetNamespace() || desired.GetName() != obj.GetName() {
		return
	}
	if r.applier.Remember(r.owner(sdr), desired, obj) {
		v.verified.Add(1)
	}
}

// logVerified says, once, at the first reconcile (every kind listed by then), what the
// pass remembered, and lets go of the requests it held.
func (r *SubdomainRequestReconciler) logVerified() {
	v := &r.atStart
	v.logged.Do(func() {
		v.once.Do(func() {}) // no object listed: nothing to hold
		ctrl.Log.WithName("verify-at-start").Info("verified the provisioned objects while listing them",
			"requests", len(v.requests), "objects", v.listed.Load(), "verified", v.verified.Load(),
			"took", time.Since(v.start).Round(time.Millisecond).String())
		v.requests, v.parts = nil, nil
	})
}
