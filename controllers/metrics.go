package controllers

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/notify"
	"github.com/kudus-diskominfo/subdomain-operator/internal/timeline"
)

// Metrics on the manager's metrics endpoint. Durations are observed once, when the
// operator records a step as done; the record in the status keeps a restart from
// observing it again.
var (
	stepDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "subdomain_step_duration_seconds",
		Help:    "How long each step of the SOP took, by step (Submission, KepalaDinas, KepalaBidang, KepalaSeksi, Provisioning, Notification).",
		Buckets: []float64{1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400},
	}, []string{"step"})
	slaBreaches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "subdomain_sla_breaches_total",
		Help: "Steps that overran their time standard, by step.",
	}, []string{"step"})
	approvalToReady = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "subdomain_last_approval_to_ready_seconds",
		Help:    "Time from the Kepala Seksi's approval to the request being Ready.",
		Buckets: prometheus.ExponentialBuckets(0.25, 2, 16),
	})
	approvalToDNS = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "subdomain_last_approval_to_dns_answer_seconds",
		Help:    "Time from the Kepala Seksi's approval to the authoritative DNS server answering for the name.",
		Buckets: prometheus.ExponentialBuckets(0.25, 2, 16),
	})
	requestsByPhase = prometheus.NewDesc("subdomain_requests",
		"SubdomainRequests by phase.", []string{"phase"}, nil)
	notifications = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "subdomain_notifications_total",
		Help: "Attempts to tell an applicant, by channel (email, webhook) and result: sent; failed (retried with back-off); limited (a returned notice held back by the once-a-day limit).",
	}, []string{"channel", "result"})
	dnsChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "subdomain_dns_checks_total",
		Help: "Questions to the authoritative DNS server about a provisioned site's name, by result: answering (the configured target); not_answering (NXDOMAIN or another answer); error (no answer: timeout, refused).",
	}, []string{"result"})
	siteDigestChecks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "subdomain_site_digest_checks_total",
		Help: "Provisioned sites looked at for the first time since the operator started, by what their recorded siteDigest said: matched (every object at the recorded version, none read); changed (some object changed, or the configuration did: the site's objects are read); missing (none recorded yet: read, and recorded).",
	}, []string{"result"})
	reconcileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "subdomain_reconcile_errors_total",
		Help: "Reconciles of a request that failed and are retried, by stage: name_check, provisioning, status, notify, deletion.",
	}, []string{"stage"})
)

// Values of the metrics' labels.
const (
	resultSent    = "sent"
	resultFailed  = "failed"
	resultLimited = "limited"

	dnsAnswering    = "answering"
	dnsNotAnswering = "not_answering"
	dnsError        = "error"

	stageNameCheck    = "name_check"
	stageProvisioning = "provisioning"
	stageStatus       = "status"
	stageNotify       = "notify"
	// stageDeletion: carrying out a deleted request's deletion policy.
	stageDeletion = "deletion"

	digestMatched = "matched"
	digestChanged = "changed"
	digestMissing = "missing"
)

func init() {
	metrics.Registry.MustRegister(stepDuration, slaBreaches, approvalToReady, approvalToDNS, notifications, dnsChecks, siteDigestChecks, reconcileErrors)
	// Every series exists from the start, at zero: a rate() or increase() over a
	// counter that appears only at its first increment misses that increment, and the
	// alerts and the dashboard find the names they use.
	for _, step := range []string{hostingv1.StepSubmission, hostingv1.StepKepalaDinas, hostingv1.StepKepalaBidang,
		hostingv1.StepKepalaSeksi, hostingv1.StepProvisioning, hostingv1.StepNotification} {
		stepDuration.WithLabelValues(step)
		slaBreaches.WithLabelValues(step)
	}
	for _, r := range []string{dnsAnswering, dnsNotAnswering, dnsError} {
		dnsChecks.WithLabelValues(r)
	}
	for _, r := range []string{digestMatched, digestChanged, digestMissing} {
		siteDigestChecks.WithLabelValues(r)
	}
	for _, s := range []string{stageNameCheck, stageProvisioning, stageStatus, stageNotify, stageDeletion} {
		reconcileErrors.WithLabelValues(s)
	}
}

// initNotificationMetrics makes the series of the configured channels exist at zero.
func initNotificationMetrics(senders []notify.Sender) {
	for _, s := range senders {
		for _, r := range []string{resultSent, resultFailed, resultLimited} {
			notifications.WithLabelValues(s.Channel(), r)
		}
	}
}

// phaseCollector counts the requests in the cache by phase at each scrape.
type phaseCollector struct{ reader client.Reader }

func (c phaseCollector) Describe(ch chan<- *prometheus.Desc) { ch <- requestsByPhase }

func (c phaseCollector) Collect(ch chan<- prometheus.Metric) {
	var list hostingv1.SubdomainRequestList
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Read-only: the cache's own objects, not a copy of each of them per scrape.
	if err := c.reader.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return
	}
	counts := map[hostingv1.Phase]int{}
	for _, p := range []hostingv1.Phase{hostingv1.PhasePendingKepalaDinas, hostingv1.PhasePendingKepalaBidang, hostingv1.PhasePendingKepalaSeksi,
		hostingv1.PhaseReturnedToApplicant, hostingv1.PhaseRejected, hostingv1.PhaseApproved, hostingv1.PhaseProvisioning, hostingv1.PhaseReady, hostingv1.PhaseDeleting} {
		counts[p] = 0
	}
	for _, s := range list.Items {
		counts[s.Status.Phase]++
	}
	for p, n := range counts {
		if p == "" {
			continue
		}
		ch <- prometheus.MustNewConstMetric(requestsByPhase, prometheus.GaugeValue, float64(n), string(p))
	}
}

func registerPhaseCollector(reader client.Reader) {
	err := metrics.Registry.Register(phaseCollector{reader: reader})
	var already prometheus.AlreadyRegisteredError
	if err != nil && !errors.As(err, &already) {
		panic(err)
	}
}

// observeTransitions records the metrics of what changed between two statuses.
func observeTransitions(before, after *hostingv1.SubdomainRequest, now time.Time) {
	for _, s := range after.Status.Steps {
		if timeline.IsInterval(s.Name) {
			// The applicant's and the platform team's intervals are no step of the SOP:
			// no time standard, no breach, no series of their own.
			continue
		}
		old := findStep(before.Status.Steps, s.Name)
		if s.State == hostingv1.StepStateDone && s.StartedAt != nil && s.DecidedAt != nil && (old == nil || old.State != hostingv1.StepStateDone) {
			stepDuration.WithLabelValues(s.Name).Observe(s.DecidedAt.Sub(s.StartedAt.Time).Seconds())
		}
		if s.Breached && (old == nil || !old.Breached) {
			slaBreaches.WithLabelValues(s.Name).Inc()
		}
	}
	ks := findStep(after.Status.Steps, hostingv1.StepKepalaSeksi)
	if ks == nil || ks.DecidedAt == nil {
		return
	}
	if after.Status.Phase == hostingv1.PhaseReady && before.Status.Phase != hostingv1.PhaseReady {
		approvalToReady.Observe(now.Sub(ks.DecidedAt.Time).Seconds())
	}
	if meta.IsStatusConditionTrue(after.Status.Conditions, hostingv1.ConditionDNSReady) &&
		!meta.IsStatusConditionTrue(before.Status.Conditions, hostingv1.ConditionDNSReady) {
		approvalToDNS.Observe(now.Sub(ks.DecidedAt.Time).Seconds())
	}
}

// observeNotificationLimited counts a returned notice held back by the daily limit,
// once per channel, when the request's record first says so.
func observeNotificationLimited(before, after *hostingv1.SubdomainRequest, senders []notify.Sender) {
	c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionApplicantNotified)
	if c == nil || c.Reason != hostingv1.ReasonNotificationLimited {
		return
	}
	if old := meta.FindStatusCondition(before.Status.Conditions, hostingv1.ConditionApplicantNotified); old != nil &&
		old.Reason == c.Reason && old.Message == c.Message {
		return
	}
	for _, s := range senders {
		notifications.WithLabelValues(s.Channel(), resultLimited).Inc()
	}
}
