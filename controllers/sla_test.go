package controllers

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/timeline"
)

var _ = Describe("The time standards", func() {
	It("flag SLABreached at the deadline of a waiting step, without any other event", func() {
		name := filed("sla")
		s := get(name)
		step := findStep(s.Status.Steps, hostingv1.StepKepalaDinas)
		Expect(step.TimeStandard.Duration).To(Equal(shortStandard))
		deadline := step.Deadline.Time
		Expect(meta.IsStatusConditionTrue(s.Status.Conditions, hostingv1.ConditionSLABreached)).To(BeFalse())

		// Nobody touches the request: only the requeue at the deadline can flip it.
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(name).Status.Conditions, hostingv1.ConditionSLABreached)
		}, shortStandard+10*time.Second, 100*time.Millisecond).Should(BeTrue())
		s = get(name)
		c := meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionSLABreached)
		Expect(c.Reason).To(Equal(hostingv1.ReasonTimeStandardExceeded))
		Expect(c.Message).To(Equal("over the time standard: KepalaDinas (standard 4s)"))
		Expect(c.LastTransitionTime.Time).To(BeTemporally(">=", deadline))
		Expect(c.LastTransitionTime.Time).To(BeTemporally("<=", deadline.Add(3*time.Second)))
		Expect(findStep(s.Status.Steps, hostingv1.StepKepalaDinas).Breached).To(BeTrue())

		// The breach stays on the record after the late approval.
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaBidang))
		s = get(name)
		Expect(findStep(s.Status.Steps, hostingv1.StepKepalaDinas).Breached).To(BeTrue())
		Expect(findStep(s.Status.Steps, hostingv1.StepKepalaBidang).Breached).To(BeFalse())
	})

	It("charge the time a request is returned to the applicant to the applicant, not to the officials", func() {
		const why = "helpdesktik.kuduskab.go.id is on the platform's reserved list; choose another name"
		s := newRequest(uniqueName("returned-sla"))
		s.Spec.Subdomain = "helpdesktik"
		Expect(applicant.Create(ctx, s)).To(Succeed())
		name := s.Name
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseReturnedToApplicant))

		// Well past the Kepala Dinas's standard (the suite's short one): while the
		// applicant holds the request, nobody's step is breached.
		Consistently(func(g Gomega) {
			got := get(name)
			g.Expect(got.Status.WaitingFor).To(Equal(hostingv1.WaitingForApplicant))
			sla := meta.FindStatusCondition(got.Status.Conditions, hostingv1.ConditionSLABreached)
			g.Expect(sla).NotTo(BeNil())
			g.Expect(sla.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(sla.Reason).To(Equal(hostingv1.ReasonWithinTimeStandard))
			g.Expect(sla.Message).To(Equal("every step is within its time standard; the officials' clocks are stopped while the request is back with the applicant"))
			for _, st := range got.Status.Steps {
				g.Expect(st.Breached).To(BeFalse(), "step %s", st.Name)
			}
		}, shortStandard+3*time.Second, 200*time.Millisecond).Should(Succeed())

		got := get(name)
		Expect(time.Since(got.CreationTimestamp.Time)).To(BeNumerically(">", shortStandard+time.Second))
		approved := meta.FindStatusCondition(got.Status.Conditions, hostingv1.ConditionApproved)
		Expect(approved.Status).To(Equal(metav1.ConditionFalse))
		Expect(approved.Reason).To(Equal(hostingv1.ReasonReturnedToApplicant))
		Expect(approved.Message).To(Equal("returned to the applicant to choose another name: " + why +
			"; the officials' clocks are stopped until the applicant changes spec.subdomain"))
		kdStep := findStep(got.Status.Steps, hostingv1.StepKepalaDinas)
		Expect(kdStep.State).To(Equal(hostingv1.StepStateWaiting))
		Expect(kdStep.Deadline).To(BeNil())
		Expect(kdStep.Message).To(Equal("clock stopped: the request is back with the applicant"))
		ksStep := findStep(got.Status.Steps, hostingv1.StepKepalaSeksi)
		Expect(ksStep.State).To(Equal(hostingv1.StepStateReturned))
		Expect(ksStep.Message).To(Equal(why))
		entry := findStep(got.Status.Steps, hostingv1.StepApplicantRename)
		Expect(entry).NotTo(BeNil())
		Expect(entry.Role).To(Equal("applicant"))
		Expect(entry.State).To(Equal(hostingv1.StepStateWaiting))
		Expect(entry.Message).To(Equal(why))
		Expect(entry.StartedAt.Time).To(BeTemporally("~", got.CreationTimestamp.Time, 2*time.Second))
		Expect(entry.DecidedAt).To(BeNil())
		Expect(entry.TimeStandard).To(BeNil())
		Expect(entry.Deadline).To(BeNil())

		// The applicant renames: the entry is closed at the rename and the Kepala Dinas's
		// clock runs again, its deadline moved by the applicant's time.
		base := got.DeepCopy()
		got.Spec.Subdomain = uniqueName("returned-sla-renamed")
		Expect(applicant.Patch(ctx, got, client.MergeFrom(base))).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaDinas))
		got = get(name)
		Expect(got.Status.WaitingFor).To(Equal(string(kd)))
		entry = findStep(got.Status.Steps, hostingv1.StepApplicantRename)
		Expect(entry.State).To(Equal(hostingv1.StepStateDone))
		Expect(entry.DecidedAt).NotTo(BeNil())
		took := entry.DecidedAt.Sub(entry.StartedAt.Time)
		Expect(took).To(BeNumerically(">=", shortStandard+time.Second))
		Expect(entry.Took).To(Equal(took.String()))
		Expect(entry.Message).To(Equal(why))
		closed := entry.DeepCopy()
		kdStep = findStep(got.Status.Steps, hostingv1.StepKepalaDinas)
		Expect(kdStep.State).To(Equal(hostingv1.StepStateWaiting))
		Expect(kdStep.Breached).To(BeFalse())
		Expect(kdStep.Deadline.Time).To(BeTemporally("==", kdStep.StartedAt.Add(shortStandard+took)))
		Expect(kdStep.Message).To(Equal("deadline moved by " + took.String() + ", the time the request was back with the applicant"))
		Expect(meta.FindStatusCondition(got.Status.Conditions, hostingv1.ConditionSLABreached).Message).To(Equal("every step is within its time standard"))
		approved = meta.FindStatusCondition(got.Status.Conditions, hostingv1.ConditionApproved)
		Expect(approved.Reason).To(Equal(hostingv1.ReasonAwaitingApproval))
		Expect(approved.Message).To(Equal("waiting for the Kepala Dinas (kepala-dinas)"))

		// The chain continues; the entry stays as recorded, and nobody was breached.
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaBidang))
		Expect(approve(kepalaBidang, name, kb, "agus")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaSeksi))
		Expect(approve(kepalaSeksi, name, ks, "dewi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseApproved))
		got = get(name)
		Expect(findStep(got.Status.Steps, hostingv1.StepApplicantRename)).To(Equal(closed))
		for _, st := range got.Status.Steps {
			Expect(st.Breached).To(BeFalse(), "step %s", st.Name)
		}
		kdStep = findStep(got.Status.Steps, hostingv1.StepKepalaDinas)
		Expect(kdStep.State).To(Equal(hostingv1.StepStateDone))
		Expect(kdStep.By).To(Equal("budi"))
		sla := meta.FindStatusCondition(got.Status.Conditions, hostingv1.ConditionSLABreached)
		Expect(sla.Status).To(Equal(metav1.ConditionFalse))
		Expect(sla.Message).To(Equal("every step is within its time standard"))
	})
})

// stepSeries are the step labels a metric vector has series for.
func stepSeries(c prometheus.Collector) map[string]bool {
	ch := make(chan prometheus.Metric, 64)
	go func() { c.Collect(ch); close(ch) }()
	out := map[string]bool{}
	for m := range ch {
		d := &dto.Metric{}
		if err := m.Write(d); err != nil {
			panic(err)
		}
		for _, l := range d.GetLabel() {
			if l.GetName() == "step" {
				out[l.GetValue()] = true
			}
		}
	}
	return out
}

// sopSteps are the steps with metric series.
var sopSteps = []string{hostingv1.StepSubmission, hostingv1.StepKepalaDinas, hostingv1.StepKepalaBidang,
	hostingv1.StepKepalaSeksi, hostingv1.StepProvisioning, hostingv1.StepNotification}

func breachCounts() map[string]float64 {
	out := map[string]float64{}
	for _, s := range sopSteps {
		out[s] = counterValue(slaBreaches.WithLabelValues(s))
	}
	return out
}

func checkSeries(t *testing.T) {
	t.Helper()
	for name, c := range map[string]prometheus.Collector{"subdomain_sla_breaches_total": slaBreaches, "subdomain_step_duration_seconds": stepDuration} {
		for step := range stepSeries(c) {
			if timeline.IsInterval(step) {
				t.Errorf("%s has a series for %s", name, step)
			}
		}
	}
}

// TestTheApplicantsTimeIsChargedToNoOfficial: a request returned to the applicant for
// days breaches no official's step, counts no breach, and its conditions say who holds it.
func TestTheApplicantsTimeIsChargedToNoOfficial(t *testing.T) {
	const why = "helpdesktik.kuduskab.go.id is on the platform's reserved list; choose another name"
	created := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	chain := approval.Chain{Approvals: map[hostingv1.Role]string{hostingv1.RoleKepalaDinas: "budi"}}
	build := func(prev []hostingv1.Step, now time.Time, returned bool) []hostingv1.Step {
		return timeline.Build(timeline.Input{
			Created: created, Requester: "pemohon-dinkes", Previous: prev, Chain: chain,
			DecisionTime: func(hostingv1.Role) time.Time { return created.Add(5 * time.Minute) },
			Returned:     returned, ReturnMessage: why, Now: now, Standard: config.Default().StandardFor,
		})
	}
	status := func(prev []hostingv1.Step, now time.Time, returned bool) *hostingv1.SubdomainRequest {
		sdr := newRequest("kembali")
		sdr.Status.Phase, sdr.Status.WaitingFor = hostingv1.PhaseReturnedToApplicant, hostingv1.WaitingForApplicant
		if !returned {
			sdr.Status.Phase, sdr.Status.WaitingFor = hostingv1.PhasePendingKepalaBidang, string(hostingv1.RoleKepalaBidangInformatika)
		}
		sdr.Status.Steps = build(prev, now, returned)
		setApprovedCondition(sdr, chain)
		setSLACondition(sdr)
		return sdr
	}
	counts := breachCounts()
	first := status(nil, created.Add(6*time.Minute), true)
	days := status(first.Status.Steps, created.Add(72*time.Hour), true)
	observeTransitions(first, days, created.Add(72*time.Hour))

	if got := timeline.Breached(days.Status.Steps); len(got) != 0 {
		t.Errorf("breached %v after three days with the applicant, want none", got)
	}
	for step, n := range breachCounts() {
		if n != counts[step] {
			t.Errorf("subdomain_sla_breaches_total{step=%q} grew by %v, want 0", step, n-counts[step])
		}
	}
	c := meta.FindStatusCondition(days.Status.Conditions, hostingv1.ConditionSLABreached)
	if c.Status != metav1.ConditionFalse || c.Message != "every step is within its time standard; the officials' clocks are stopped while the request is back with the applicant" {
		t.Errorf("SLABreached = %s %q", c.Status, c.Message)
	}
	c = meta.FindStatusCondition(days.Status.Conditions, hostingv1.ConditionApproved)
	if want := "returned to the applicant to choose another name: " + why + "; the officials' clocks are stopped until the applicant changes spec.subdomain"; c.Status != metav1.ConditionFalse ||
		c.Reason != hostingv1.ReasonReturnedToApplicant || c.Message != want {
		t.Errorf("Approved = %s %s %q, want False %s %q", c.Status, c.Reason, c.Message, hostingv1.ReasonReturnedToApplicant, want)
	}

	// Renamed: the entry is closed and observed by no metric of its own.
	renamed := status(days.Status.Steps, created.Add(72*time.Hour+time.Minute), false)
	observeTransitions(days, renamed, created.Add(72*time.Hour+time.Minute))
	if e := findStep(renamed.Status.Steps, hostingv1.StepApplicantRename); e == nil || e.State != hostingv1.StepStateDone || e.Took != "71h55m0s" {
		t.Errorf("the applicant's entry after the rename: %+v", e)
	}
	c = meta.FindStatusCondition(renamed.Status.Conditions, hostingv1.ConditionApproved)
	if c.Reason != hostingv1.ReasonAwaitingApproval || c.Message != "waiting for the Kepala Bidang Informatika (kepala-bidang-informatika)" {
		t.Errorf("Approved after the rename = %s %q", c.Reason, c.Message)
	}
	checkSeries(t)
}

// TestAProvisioningBreachWhileBlockedNamesThePlatformTeam: the platform team's time is
// its own entry, and a breach of the provisioning standard says that the time was theirs.
func TestAProvisioningBreachWhileBlockedNamesThePlatformTeam(t *testing.T) {
	const conflict = "Namespace web-dinkes exists and was not created by this operator; it is left untouched"
	created := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	chain := approval.Chain{Approvals: map[hostingv1.Role]string{
		hostingv1.RoleKepalaDinas: "budi", hostingv1.RoleKepalaBidangInformatika: "agus", hostingv1.RoleKepalaSeksiTIPersandian: "dewi"}}
	status := func(prev []hostingv1.Step, minutes int, blocked bool) *hostingv1.SubdomainRequest {
		sdr := newRequest("terhalang")
		sdr.Status.Phase, sdr.Status.WaitingFor = hostingv1.PhaseProvisioning, hostingv1.WaitingForOperator
		if blocked {
			sdr.Status.WaitingFor = hostingv1.WaitingForPlatformTeam
		}
		sdr.Status.Steps = timeline.Build(timeline.Input{
			Created: created, Requester: "pemohon-dinkes", Previous: prev, Chain: chain,
			DecisionTime: func(hostingv1.Role) time.Time { return created.Add(time.Minute) },
			Blocked:      blocked, BlockedMessage: conflict, Now: created.Add(time.Duration(minutes) * time.Minute), Standard: config.Default().StandardFor,
		})
		setApprovedCondition(sdr, chain)
		setSLACondition(sdr)
		return sdr
	}
	counts := breachCounts()
	a := status(nil, 2, false)
	b := status(a.Status.Steps, 10, true)
	c := status(b.Status.Steps, 120, true)
	observeTransitions(a, b, created.Add(10*time.Minute))
	observeTransitions(b, c, created.Add(120*time.Minute))

	e := findStep(c.Status.Steps, hostingv1.StepProvisioningBlocked)
	if e == nil || e.Role != "platform team" || e.State != hostingv1.StepStateWaiting || e.Message != conflict ||
		!e.StartedAt.Time.Equal(created.Add(10*time.Minute)) || e.Breached || e.TimeStandard != nil {
		t.Errorf("the platform team's entry: %+v", e)
	}
	cond := meta.FindStatusCondition(c.Status.Conditions, hostingv1.ConditionSLABreached)
	want := "over the time standard: Provisioning (standard 1h0m0s); blocked on the platform team since 2026-03-02T08:10:00Z: " + conflict
	if cond.Status != metav1.ConditionTrue || cond.Message != want {
		t.Errorf("SLABreached = %s %q, want True %q", cond.Status, cond.Message, want)
	}
	for step, n := range breachCounts() {
		wantGrowth := 0.0
		if step == hostingv1.StepProvisioning {
			wantGrowth = 1
		}
		if n-counts[step] != wantGrowth {
			t.Errorf("subdomain_sla_breaches_total{step=%q} grew by %v, want %v", step, n-counts[step], wantGrowth)
		}
	}

	// Unblocked: the entry is closed; the breach still names the platform team's time.
	d := status(c.Status.Steps, 130, false)
	observeTransitions(c, d, created.Add(130*time.Minute))
	cond = meta.FindStatusCondition(d.Status.Conditions, hostingv1.ConditionSLABreached)
	want = "over the time standard: Provisioning (standard 1h0m0s); blocked on the platform team for 2h0m0s: " + conflict
	if cond.Message != want {
		t.Errorf("SLABreached after the block = %q, want %q", cond.Message, want)
	}
	checkSeries(t)
}

// TestAProvisioningBreachNotBlockedNamesWhatIsMissing: without a block, a breach of the
// provisioning standard names the site conditions that do not hold yet.
func TestAProvisioningBreachNotBlockedNamesWhatIsMissing(t *testing.T) {
	sdr := newRequest("lambat")
	sdr.Status.Phase, sdr.Status.WaitingFor = hostingv1.PhaseProvisioning, hostingv1.WaitingForOperator
	started := metav1.NewTime(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	sdr.Status.Steps = []hostingv1.Step{{Name: hostingv1.StepProvisioning, Role: "operator", State: hostingv1.StepStateWaiting,
		StartedAt: &started, TimeStandard: &metav1.Duration{Duration: time.Hour}, Breached: true}}
	setCondition(sdr, hostingv1.ConditionNamespaceReady, true, hostingv1.ReasonProvisioned, "Namespace web-lambat")
	setCondition(sdr, hostingv1.ConditionSiteAvailable, false, hostingv1.ReasonSiteUnavailable, "0 of 1 replicas available")
	setSLACondition(sdr)
	c := meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionSLABreached)
	if want := "over the time standard: Provisioning (standard 1h0m0s); not serving yet: SiteAvailable (0 of 1 replicas available)"; c.Message != want {
		t.Errorf("SLABreached = %q, want %q", c.Message, want)
	}
}
