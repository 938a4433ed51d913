// Package controllers holds the reconciler that carries a SubdomainRequest through
// steps 4 to 6 of the SOP.
package controllers

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/apply"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
	"github.com/kudus-diskominfo/subdomain-operator/internal/availability"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/dnscheck"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
	"github.com/kudus-diskominfo/subdomain-operator/internal/notify"
	"github.com/kudus-diskominfo/subdomain-operator/internal/phase"
	"github.com/kudus-diskominfo/subdomain-operator/internal/requestcache"
	"github.com/kudus-diskominfo/subdomain-operator/internal/sitestore"
	"github.com/kudus-diskominfo/subdomain-operator/internal/timeline"
)

// FieldManager is the server-side apply field manager of everything the operator writes.
const FieldManager = "subdomain-operator"

// SubdomainRequestReconciler reconciles SubdomainRequests.
type SubdomainRequestReconciler struct {
	client.Client
	// APIReader reads past the cache, for the decisions that must not act on a stale view.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Config    config.Config
	// Provisioning turns on step 5 (Namespace, site, Ingress, DNS). When off, a fully
	// approved request stops at phase Approved.
	Provisioning bool
	// DNS asks the authoritative servers; nil skips the DNS checks.
	DNS *dnscheck.Resolver
	// Notifiers tell the applicant (email, webhook); empty sends nothing.
	Notifiers []notify.Sender
	// Now is the clock; tests may replace it.
	Now func() time.Time

	// store follows the provisioned objects, and every Ingress and DNSEndpoint.
	store *sitestore.Store
	// applier creates and repairs the site's objects.
	applier *apply.Applier
	// own remembers the versions the operator's own last write of each request
	// replaced, so that a reconcile does not start from a cache behind it.
	own ownWrites
}

// The request itself (the site's kinds are in site.go, beside the table); "provision"
// is the made-up verb by which the admission policies know the operator.
//
// +kubebuilder:rbac:groups=hosting.kuduskab.go.id,resources=subdomainrequests,verbs=get;list;watch;update;patch;provision
// +kubebuilder:rbac:groups=hosting.kuduskab.go.id,resources=subdomainrequests/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=hosting.kuduskab.go.id,resources=subdomainrequests/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=core,resources=events,verbs=create;patch

// Reconcile brings one request one step further and records where it stands.
//
// A failure (other than a conflict, which only means a newer version exists) is
// counted by stage in subdomain_reconcile_errors_total and told on the request as a
// Warning Event; controller-runtime logs it once and retries with back-off.
func (r *SubdomainRequestReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	sdr := &hostingv1.SubdomainRequest{}
	if err := r.Get(ctx, req.NamespacedName, sdr); err != nil {
		if apierrors.IsNotFound(err) {
			r.own.forget(req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.own.behind(sdr.Name, sdr.ResourceVersion, time.Now()) {
		// The cache has not yet seen this operator's own last write of the request
		// (a reconcile asked for by a site object's event, right after a status
		// write): whatever would be computed from it is already out of date, and its
		// status write would be refused with a conflict.
		ctrl.LoggerFrom(ctx).V(1).Info("the cache is behind the operator's own last write; looking again shortly",
			"resourceVersion", sdr.ResourceVersion)
		return ctrl.Result{RequeueAfter: cacheBehindRetry}, nil
	}
	startedFrom := sdr.ResourceVersion
	before := sdr.DeepCopy()

	if !sdr.DeletionTimestamp.IsZero() {
		res, err := r.reconcileDelete(ctx, sdr)
		if err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			r.reconcileFailed(sdr, stageDeletion, err)
		}
		return res, err
	}

	if r.Provisioning {
		patched, err := r.ensureFinalizer(ctx, sdr)
		if err != nil {
			if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
				r.reconcileFailed(sdr, stageProvisioning, err)
			}
			return ctrl.Result{}, err
		}
		if patched {
			// The API server answered with the whole request as it is now, status
			// included, which may be newer than the cache's copy (a cache still behind
			// this operator's own last status write: seen under a burst of approvals at
			// 10,000 sites). Everything below, and the status patch, starts from it;
			// starting from the stale status wrote a timeline rebuilt from nothing and
			// told its transitions twice.
			before = sdr.DeepCopy()
		}
	}

	st := &state{now: r.now(), chain: approval.Parse(sdr.Annotations), claimed: sdr.Status.Namespace != "", startedFrom: startedFrom}
	// The stage a failure is counted under.
	stage := stageNameCheck
	// The status is written once, at the end, whatever happened in between.
	defer func() {
		if err := r.writeStatus(ctx, before, sdr, st, retErr == nil); err != nil {
			retErr, stage = fmt.Errorf("writing status: %w", err), stageStatus
		}
		if retErr != nil && !apierrors.IsConflict(retErr) && !apierrors.IsNotFound(retErr) {
			r.reconcileFailed(sdr, stage, retErr)
		}
		if apierrors.IsConflict(retErr) {
			// A newer version exists (an approval landed while we worked): look again
			// shortly, from the fresher cache, rather than as a failure. Failures go
			// through the rate limiter and would crawl when many requests are approved
			// at once.
			ctrl.LoggerFrom(ctx).V(1).Info("request changed while reconciling; looking again", "error", retErr.Error())
			retErr, result = nil, ctrl.Result{RequeueAfter: 100 * time.Millisecond}
			return
		}
		if retErr != nil {
			return
		}
		if d := requeueForDeadline(sdr.Status.Steps, st.now); d > 0 && (result.RequeueAfter == 0 || d < result.RequeueAfter) {
			result.RequeueAfter = d
		}
	}()

	// Step 4: the Kepala Seksi's check that the name is free, as soon as the request
	// exists and again before the name is claimed.
	var err error
	if st.name, err = r.checkName(ctx, sdr, st.claimed); err != nil {
		return ctrl.Result{}, fmt.Errorf("checking whether %s is free: %w", sdr.Spec.Subdomain, err)
	}

	// Step 5: the technical staff's work, once all three officials approved.
	if r.Provisioning && st.chain.FullyApproved() && (st.name.Available || st.claimed) {
		stage = stageProvisioning
		res, err := r.reconcileProvisioning(ctx, sdr, st)
		if err != nil {
			return res, err
		}
		result = res
	}

	// Step 6: tell the applicant.
	if wait := r.notifyApplicant(ctx, sdr, st); wait > 0 {
		result.RequeueAfter = minPositive(result.RequeueAfter, wait)
	}
	return result, nil
}

// state is what one reconcile found out, computed once and passed on.
type state struct {
	now time.Time
	// startedFrom is the resourceVersion of the request as the reconcile read it.
	startedFrom string
	chain       approval.Chain
	// claimed: the request holds its name (its Namespace is recorded).
	claimed bool
	name    nameCheck
	prov    provisionState
}

// returned: the name is taken and the request is back with the applicant.
func (st *state) returned() bool { return !st.name.Available && !st.claimed }

// provisionState is what step 5 achieved in this reconcile.
type provisionState struct {
	started bool
	// namespaceConflict: a Namespace of the name exists that no request made.
	namespaceConflict string
	site              provisioned
	dns               dnsAnswer
	// elsewhere are the objects outside the site namespace that serve or publish the
	// host (they predate the grant): reported, never silently shared.
	elsewhere []string
	// ready: the site serves (every readiness condition that applies holds) and its
	// name resolves, now.
	ready bool
	// wasReady: the site was Ready before (step 5 is on record as done); the phase
	// stays Ready, while the conditions keep telling whether it serves now.
	wasReady bool
}

// conflict is what blocks provisioning that only the platform team can resolve.
func (p provisionState) conflict() string {
	if p.namespaceConflict != "" {
		return p.namespaceConflict
	}
	return p.site.conflict
}

// reconcileProvisioning claims the name, makes or repairs the site and checks that the
// name resolves.
func (r *SubdomainRequestReconciler) reconcileProvisioning(ctx context.Context, sdr *hostingv1.SubdomainRequest, st *state) (ctrl.Result, error) {
	st.prov.started = true
	if s := findStep(sdr.Status.Steps, hostingv1.StepProvisioning); s != nil && s.DecidedAt != nil && st.claimed {
		st.prov.wasReady = true
	}
	site := r.wantedSite(sdr)
	r.rememberSite(sdr, site)
	c, err := r.claimName(ctx, sdr, site.objects[0])
	switch {
	case err != nil:
		return ctrl.Result{}, err
	case c.takenBy != "":
		// Another request won the name: back to the applicant.
		fqdn := r.Config.FQDN(sdr.Spec.Subdomain)
		st.name = nameCheck{availability.Result{Reason: hostingv1.ReasonNameClaimed,
			Message: fmt.Sprintf("%s is already granted to request %s (Namespace %s)", fqdn, c.takenBy, c.takenNamespace),
			Pesan:   fmt.Sprintf("%s sudah diberikan kepada permohonan %s (Namespace %s)", fqdn, c.takenBy, c.takenNamespace)}}
		return ctrl.Result{}, nil
	case c.conflict != "":
		st.prov.namespaceConflict = c.conflict
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	}
	st.claimed = true
	if st.prov.site, err = r.provisionSite(ctx, sdr, site); err != nil {
		return ctrl.Result{}, err
	}
	sdr.Status.Namespace = r.Config.NamespaceFor(sdr.Spec.Subdomain)
	sdr.Status.URL = siteURL(r.Config, sdr, st.prov.site.notServing[hostingv1.ConditionCertificateReady] == "")
	if st.prov.site.conflictAffects == hostingv1.ConditionDNSReady {
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	}
	var wait time.Duration
	st.prov.dns, wait = r.checkDNS(ctx, sdr, st.now)
	st.prov.elsewhere = r.servedElsewhere(sdr)
	done := st.prov.site
	st.prov.ready = done.ready[hostingv1.ConditionNamespaceReady] && done.ready[hostingv1.ConditionIngressReady] &&
		st.prov.dns.ready && done.conflict == "" && len(st.prov.elsewhere) == 0 && done.serving()
	if done.conflict != "" {
		return ctrl.Result{RequeueAfter: time.Minute}, nil
	}
	if !done.serving() {
		// Status changes of the operator's parts come back as work through the site
		// store; an applicant's own Deployment is not followed, so look again.
		wait = minPositive(wait, notServingRecheck)
	}
	return ctrl.Result{RequeueAfter: wait}, nil
}

// notServingRecheck is how often a provisioned site that does not serve yet is looked
// at again besides the changes the site store reports.
const notServingRecheck = 30 * time.Second

// writeStatus computes phase, timeline and conditions and patches them when they
// changed; observedGeneration advances only when the reconcile succeeded.
func (r *SubdomainRequestReconciler) writeStatus(ctx context.Context, before, sdr *hostingv1.SubdomainRequest, st *state, ok bool) error {
	ph, waitingFor := phase.Decide(phase.Facts{
		Chain:               st.chain,
		NameAvailable:       st.name.Available,
		Claimed:             st.claimed,
		ProvisioningEnabled: r.Provisioning,
		Ready:               st.prov.ready || st.prov.wasReady,
	})
	if st.prov.conflict() != "" {
		waitingFor = hostingv1.WaitingForPlatformTeam
	}
	s := &sdr.Status
	s.Phase, s.WaitingFor = ph, waitingFor
	s.RequestedBy = sdr.Annotations[hostingv1.RequestedByAnnotation]

	var provisionedAt *time.Time
	if st.prov.ready || st.prov.wasReady {
		t := st.now
		if old := findStep(before.Status.Steps, hostingv1.StepProvisioning); old != nil && old.DecidedAt != nil {
			t = old.DecidedAt.Time
		}
		provisionedAt = &t
	}
	var notifiedAt *time.Time
	if s.NotifiedAt != nil {
		notifiedAt = &s.NotifiedAt.Time
	}
	s.Steps = timeline.Build(timeline.Input{
		Created:      sdr.CreationTimestamp.Time,
		Requester:    s.RequestedBy,
		Previous:     before.Status.Steps,
		Chain:        st.chain,
		DecisionTime: func(role hostingv1.Role) time.Time { return decisionTime(sdr, role, st.now) },
		// Whose clock runs: the applicant's (st.returned() is phase.Decide's rule for
		// waitingFor "applicant"; the timeline, like Decide, lets a rejection win) or the
		// platform team's (waitingFor as set above).
		Returned:       st.returned(),
		ReturnMessage:  st.name.Message,
		Blocked:        waitingFor == hostingv1.WaitingForPlatformTeam,
		BlockedMessage: st.prov.conflict(),
		ProvisionedAt:  provisionedAt,
		NotifiedAt:     notifiedAt,
		Now:            st.now,
		Standard:       r.Config.StandardFor,
	})
	r.setConditions(sdr, st, ph)
	if ok {
		s.ObservedGeneration = sdr.Generation
	}
	s.SiteDigest = digestToRecord(&before.Status, s, st.prov.site.digest)
	if equality.Semantic.DeepEqual(before.Status, sdr.Status) {
		return nil
	}
	// Lock on the newest version this reconcile knows (its own metadata or
	// notification writes move it): a status computed from anything older is refused.
	base := before.DeepCopy()
	base.ResourceVersion = sdr.ResourceVersion
	patch := client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	if log := ctrl.LoggerFrom(ctx).V(1); log.Enabled() {
		// What a status write changes, for whoever asks why it was written
		// (--zap-log-level=1).
		if data, err := patch.Data(sdr); err == nil {
			log.Info("writing the status", "patch", string(data))
		}
	}
	if err := r.Status().Patch(ctx, sdr, patch); err != nil {
		return err
	}
	r.own.wrote(sdr.Name, st.startedFrom, base.ResourceVersion, sdr.ResourceVersion, time.Now())
	// Events, logs and metrics only for what is now on record: a refused status is
	// computed again from the newer version, and would otherwise be told twice.
	r.recordTransitions(before, sdr)
	logTransitions(ctx, before, sdr)
	observeTransitions(before, sdr, st.now)
	observeNotificationLimited(before, sdr, r.Notifiers)
	return nil
}

// digestToRecord is the siteDigest the status after should carry, given the site's
// digest now ("" when unknown): the new one when none is recorded or when the status is
// written anyway, else the one recorded. Never a write of its own: an object changed by
// its own controller (a ResourceQuota's usage) would cost a write each time; a stale
// digest only makes a restart read that site.
func digestToRecord(before, after *hostingv1.SubdomainRequestStatus, digest string) string {
	if digest == "" || digest == after.SiteDigest || before.SiteDigest == "" {
		return cmp.Or(digest, after.SiteDigest)
	}
	withNew := before.DeepCopy()
	withNew.SiteDigest = after.SiteDigest
	if equality.Semantic.DeepEqual(*withNew, *after) {
		return before.SiteDigest
	}
	return digest
}

// reconcileFailed counts a failed reconcile by stage and tells it on the request as a
// Warning Event. It does not log: the error is returned, and controller-runtime logs
// it (with the request and the reconcile's ID) once.
func (r *SubdomainRequestReconciler) reconcileFailed(sdr *hostingv1.SubdomainRequest, stage string, err error) {
	reconcileErrors.WithLabelValues(stage).Inc()
	if r.Recorder != nil {
		r.Recorder.Eventf(sdr, nil, corev1.EventTypeWarning, hostingv1.ReasonReconcileError, "Reconcile",
			"%s failed, retrying with back-off: %s", strings.ReplaceAll(stage, "_", " "), eventNote(err.Error()))
	}
}

func (r *SubdomainRequestReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// requeueForDeadline returns when to look again so that a step overrunning its time
// standard is flagged at its deadline, not at the next unrelated event.
func requeueForDeadline(steps []hostingv1.Step, now time.Time) time.Duration {
	d, ok := timeline.NextDeadline(steps, now)
	if !ok {
		return 0
	}
	return d.Sub(now) + 500*time.Millisecond
}

// SetupWithManager registers the indexes and watches.
func (r *SubdomainRequestReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, workers int) error {
	if err := setupIndexes(ctx, mgr); err != nil {
		return err
	}
	// The cache keeps a request's conditions and steps packed; every read through
	// r.Client unpacks its copy (internal/requestcache).
	if _, ok := r.Client.(requestcache.Client); !ok {
		r.Client = requestcache.Client{Client: r.Client}
	}
	registerPhaseCollector(mgr.GetCache())
	initNotificationMetrics(r.Notifiers)
	b := ctrl.NewControllerManagedBy(mgr).
		Named("subdomainrequest").
		For(&hostingv1.SubdomainRequest{}, builderPredicates()).
		// A change to one request can free or take the name of others.
		Watches(&hostingv1.SubdomainRequest{}, handler.Funcs{
			CreateFunc: func(ctx context.Context, e eventCreate, q queue) { r.enqueueSameName(ctx, q, e.Object) },
			UpdateFunc: func(ctx context.Context, e eventUpdate, q queue) {
				r.enqueueSameName(ctx, q, e.ObjectOld)
				r.enqueueSameName(ctx, q, e.ObjectNew)
			},
			DeleteFunc: func(ctx context.Context, e eventDelete, q queue) { r.enqueueSameName(ctx, q, e.Object) },
		}).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: workers,
			// Per-request back-off only: the default's shared 10/s bucket would make a
			// thousand failing requests wait for each other.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](100*time.Millisecond, 5*time.Minute),
			// The first lists of a large installation take longer than the default two
			// minutes on a small control plane (the site store streams every
			// provisioned object whole once, restart.go).
			CacheSyncTimeout: 10 * time.Minute,
		})
	// The provisioned objects matter only when someone changes or deletes them
	// (drift); other people's Ingresses and DNSEndpoints when they take or free a name.
	// See childStore.
	if r.Provisioning {
		// A grant removed or changed in its ConfigMap is put back (grants.Book.Ensure).
		b = b.Watches(&corev1.ConfigMap{}, handler.Funcs{
			UpdateFunc: func(ctx context.Context, e eventUpdate, q queue) {
				for _, req := range r.requestsForHosts(ctx, grants.ChangedHosts(e.ObjectOld.(*corev1.ConfigMap), e.ObjectNew.(*corev1.ConfigMap))) {
					q.Add(req)
				}
			},
			DeleteFunc: func(ctx context.Context, e eventDelete, q queue) {
				if cm, ok := e.Object.(*corev1.ConfigMap); ok {
					for _, req := range r.requestsForHosts(ctx, grants.ChangedHosts(cm, nil)) {
						q.Add(req)
					}
				}
			},
		})
	}
	r.store = sitestore.New(mgr.GetConfig(), followedKinds(r.Config, r.Provisioning), r.requestsForHosts)
	r.applier = &apply.Applier{Client: r.Client, Reader: r.APIReader, Store: r.store, FieldManager: FieldManager}
	b = b.WatchesRawSource(r.store)
	return b.Complete(r)
}

// builderPredicates lets through what matters for a request: spec changes (which
// bump the generation), annotation changes (approvals do not bump it) and deletion;
// the operator's own status and finalizer writes do not come back as work.
func builderPredicates() builder.Predicates {
	return builder.WithPredicates(predicate.Or(
		predicate.GenerationChangedPredicate{},
		predicate.AnnotationChangedPredicate{},
		predicate.LabelChangedPredicate{},
		predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
			return !e.ObjectNew.GetDeletionTimestamp().Equal(e.ObjectOld.GetDeletionTimestamp())
		}},
		// The finalizer gone from a live request (only a cluster administrator can
		// remove it past the admission policy): put it back. The operator's own
		// finalizer writes do not come back as work.
		predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectNew.GetDeletionTimestamp().IsZero() &&
				controllerutil.ContainsFinalizer(e.ObjectOld, hostingv1.Finalizer) &&
				!controllerutil.ContainsFinalizer(e.ObjectNew, hostingv1.Finalizer)
		}},
	))
}

func findStep(steps []hostingv1.Step, name string) *hostingv1.Step {
	for i := range steps {
		if steps[i].Name == name {
			return &steps[i]
		}
	}
	return nil
}
