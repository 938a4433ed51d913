package controllers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/dnscheck"
	"github.com/kudus-diskominfo/subdomain-operator/internal/notify"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// failingSender fails with err while it is set.
type failingSender struct{ err error }

func (f *failingSender) Channel() string                            { return "email" }
func (f *failingSender) Send(context.Context, notify.Message) error { return f.err }

// drain returns the events recorded so far.
func drain(r *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-r.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func TestNotificationFailureIsToldOncePerError(t *testing.T) {
	sdr := newReadyRequest("kabar")
	c := fake.NewClientBuilder().WithScheme(testenv.Scheme).WithObjects(sdr).
		WithStatusSubresource(&hostingv1.SubdomainRequest{}).Build()
	if err := c.Get(context.Background(), client.ObjectKeyFromObject(sdr), sdr); err != nil {
		t.Fatal(err)
	}
	rec := events.NewFakeRecorder(20)
	sender := &failingSender{err: errors.New("connecting to the SMTP server 127.0.0.1:2525: connection refused")}
	r := &SubdomainRequestReconciler{Client: c, Recorder: rec, Config: config.Default(), Notifiers: []notify.Sender{sender}}
	failed := func() float64 { return counterValue(notifications.WithLabelValues("email", resultFailed)) }
	sent := func() float64 { return counterValue(notifications.WithLabelValues("email", resultSent)) }
	failedBefore, sentBefore := failed(), sent()

	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	attempt := func() []string {
		st := &state{now: now, prov: provisionState{ready: true}}
		r.notifyApplicant(context.Background(), sdr, st)
		now = now.Add(10 * time.Minute) // past any back-off
		return drain(rec)
	}
	warnings := func(evs []string) int {
		n := 0
		for _, e := range evs {
			if strings.HasPrefix(e, "Warning "+hostingv1.ReasonNotificationFailed+" ") {
				n++
			}
		}
		return n
	}

	if got := attempt(); warnings(got) != 1 || !strings.Contains(got[0], "connection refused") {
		t.Fatalf("first failure: want one NotificationFailed Warning with the error, got %q", got)
	}
	for i := 0; i < 3; i++ {
		if got := attempt(); len(got) != 0 {
			t.Fatalf("retry %d with the same error: want no Event, got %q", i+2, got)
		}
	}
	sender.err = errors.New("535 authentication failed")
	if got := attempt(); warnings(got) != 1 || !strings.Contains(got[0], "535 authentication failed") {
		t.Fatalf("a new error: want one more Warning, got %q", got)
	}
	if d := failed() - failedBefore; d != 5 {
		t.Errorf("subdomain_notifications_total{channel=email,result=failed} grew by %v, want 5 (one per attempt)", d)
	}
	sender.err = nil
	if got := attempt(); len(got) != 1 || !strings.HasPrefix(got[0], "Normal "+hostingv1.ReasonNotified) {
		t.Fatalf("delivered: want one Notified Event, got %q", got)
	}
	if d := sent() - sentBefore; d != 1 {
		t.Errorf("subdomain_notifications_total{channel=email,result=sent} grew by %v, want 1", d)
	}
	if got := attempt(); len(got) != 0 {
		t.Fatalf("after delivery: want nothing more, got %q", got)
	}
}

func TestNotificationLimitedIsCountedOnce(t *testing.T) {
	senders := []notify.Sender{&failingSender{}}
	limited := func() float64 { return counterValue(notifications.WithLabelValues("email", resultLimited)) }
	start := limited()
	before, after := newReadyRequest("batas"), newReadyRequest("batas")
	setCondition(after, hostingv1.ConditionApplicantNotified, false, hostingv1.ReasonNotificationLimited, "a returned notice was already sent at T")
	observeNotificationLimited(before, after, senders)
	observeNotificationLimited(after, after.DeepCopy(), senders) // unchanged: not again
	if d := limited() - start; d != 1 {
		t.Errorf("limited grew by %v, want 1", d)
	}
}

func TestWarningsForConflictsAndDNSOverdue(t *testing.T) {
	rec := events.NewFakeRecorder(20)
	r := &SubdomainRequestReconciler{Recorder: rec}
	before, after := newReadyRequest("konflik"), newReadyRequest("konflik")
	msg := "Ingress web-konflik/web exists and was not created by this operator; it is left untouched"
	setCondition(after, hostingv1.ConditionIngressReady, false, hostingv1.ReasonConflict, msg)
	r.recordTransitions(before, after)
	if got := drain(rec); len(got) != 1 || got[0] != "Warning "+hostingv1.ReasonProvisioningConflict+" "+msg {
		t.Fatalf("a new conflict: want one ProvisioningConflict Warning, got %q", got)
	}
	r.recordTransitions(after, after.DeepCopy())
	if got := drain(rec); len(got) != 0 {
		t.Fatalf("the same conflict again: want no Event, got %q", got)
	}

	waiting := newReadyRequest("sunyi")
	setCondition(waiting, hostingv1.ConditionDNSReady, false, hostingv1.ReasonDNSNotAnswering, "ns answers NXDOMAIN for sunyi.kuduskab.go.id")
	overdue := waiting.DeepCopy()
	setCondition(overdue, hostingv1.ConditionDNSReady, false, hostingv1.ReasonDNSNotAnswering,
		"ns answers NXDOMAIN for sunyi.kuduskab.go.id"+dnsOverdueNote+"2m0s (since 2026-12-03T12:00:00Z)")
	r.recordTransitions(waiting, waiting.DeepCopy())
	if got := drain(rec); len(got) != 0 {
		t.Fatalf("not answering, within the threshold: want no Event, got %q", got)
	}
	r.recordTransitions(waiting, overdue)
	if got := drain(rec); len(got) != 1 || !strings.HasPrefix(got[0], "Warning "+hostingv1.ReasonDNSNotAnswering+" ") {
		t.Fatalf("past the threshold: want one DNSNotAnswering Warning, got %q", got)
	}
	r.recordTransitions(overdue, overdue.DeepCopy())
	if got := drain(rec); len(got) != 0 {
		t.Fatalf("still past the threshold: want no second Event, got %q", got)
	}
}

func TestCheckDNSCountsAndNotesTheWait(t *testing.T) {
	// Nothing listens on port 9 of the loopback: every question fails.
	r := &SubdomainRequestReconciler{Config: config.Default(),
		DNS: &dnscheck.Resolver{Servers: []string{"127.0.0.1:9"}, Timeout: 200 * time.Millisecond}}
	errs := func() float64 { return counterValue(dnsChecks.WithLabelValues(dnsError)) }
	start := errs()
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		waited  time.Duration
		overdue bool
	}{{time.Minute, false}, {DNSWarningAfter + time.Second, true}} {
		sdr := newReadyRequest("sunyi")
		meta.SetStatusCondition(&sdr.Status.Conditions, metav1.Condition{Type: hostingv1.ConditionDNSReady, Status: metav1.ConditionFalse,
			Reason: hostingv1.ReasonDNSNotAnswering, LastTransitionTime: metav1.NewTime(now.Add(-tc.waited))})
		a, _ := r.checkDNS(context.Background(), sdr, now)
		if a.ready || a.reason != hostingv1.ReasonDNSNotAnswering {
			t.Fatalf("waited %s: got %+v", tc.waited, a)
		}
		c := metav1.Condition{Status: metav1.ConditionFalse, Reason: a.reason, Message: a.message}
		if dnsOverdue(&c) != tc.overdue {
			t.Errorf("waited %s: overdue %v, want %v (message %q)", tc.waited, dnsOverdue(&c), tc.overdue, a.message)
		}
	}
	if d := errs() - start; d != 2 {
		t.Errorf("subdomain_dns_checks_total{result=error} grew by %v, want 2", d)
	}
}

func TestReconcileFailedCountsAndWarns(t *testing.T) {
	rec := events.NewFakeRecorder(5)
	r := &SubdomainRequestReconciler{Recorder: rec}
	start := counterValue(reconcileErrors.WithLabelValues(stageProvisioning))
	r.reconcileFailed(newReadyRequest("gagal"), stageProvisioning, errors.New("provisioning Service web-gagal/web: forbidden"))
	if d := counterValue(reconcileErrors.WithLabelValues(stageProvisioning)) - start; d != 1 {
		t.Errorf("subdomain_reconcile_errors_total{stage=provisioning} grew by %v, want 1", d)
	}
	want := "Warning " + hostingv1.ReasonReconcileError + " provisioning failed, retrying with back-off: provisioning Service web-gagal/web: forbidden"
	if got := drain(rec); len(got) != 1 || got[0] != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := len(eventNote(strings.Repeat("x", 5000))); n > maxEventNote {
		t.Errorf("an Event note of %d bytes", n)
	}
}

// newReadyRequest is a provisioned request whose site is ready, fully approved.
func newReadyRequest(name string) *hostingv1.SubdomainRequest {
	s := &hostingv1.SubdomainRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: "uid-" + types.UID(name), Annotations: map[string]string{}},
		Spec: hostingv1.SubdomainRequestSpec{Subdomain: name,
			Applicant: hostingv1.Applicant{Unit: "Dinas Uji", ContactName: "Tester", Email: name + "@kuduskab.go.id", Group: "opd:" + name},
			Letter:    hostingv1.Letter{Number: "555/1/2026", Date: "2026-11-28"}, Purpose: "Pengujian"},
	}
	for _, role := range hostingv1.Roles {
		s.Annotations[hostingv1.ApprovalAnnotation(role)] = "u-" + string(role)
	}
	s.Status.Namespace, s.Status.URL = "web-"+name, "https://"+name+".kuduskab.go.id"
	return s
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) float64 {
	m := &dto.Metric{}
	if err := c.Write(m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// The site digest is recorded when there is none, and otherwise only with a status
// write that happens anyway: never a write of its own.
func TestDigestToRecord(t *testing.T) {
	ready := hostingv1.SubdomainRequestStatus{Phase: hostingv1.PhaseReady, Namespace: "web-dinkes"}
	with := func(s hostingv1.SubdomainRequestStatus, digest string) *hostingv1.SubdomainRequestStatus {
		s.SiteDigest = digest
		return &s
	}
	notified := ready
	notified.NotifiedAt = &metav1.Time{Time: time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)}
	tests := map[string]struct {
		before, after *hostingv1.SubdomainRequestStatus
		digest, want  string
	}{
		"none recorded: recorded":                                              {with(ready, ""), with(ready, ""), "v1:b", "v1:b"},
		"the same digest":                                                      {with(ready, "v1:a"), with(ready, "v1:a"), "v1:a", "v1:a"},
		"a new digest alone: not written":                                      {with(ready, "v1:a"), with(ready, "v1:a"), "v1:b", "v1:a"},
		"a new digest with a status change: written":                           {with(ready, "v1:a"), with(notified, "v1:a"), "v1:b", "v1:b"},
		"no digest now (not every part is the site's): the recorded one stays": {with(ready, "v1:a"), with(notified, "v1:a"), "", "v1:a"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := digestToRecord(tc.before, tc.after, tc.digest); got != tc.want {
				t.Fatalf("digestToRecord = %q, want %q", got, tc.want)
			}
		})
	}
}
