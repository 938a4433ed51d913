package timeline

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

const (
	kd = hostingv1.RoleKepalaDinas
	kb = hostingv1.RoleKepalaBidangInformatika
	ks = hostingv1.RoleKepalaSeksiTIPersandian

	requester = "siti"
)

// created is when the request was filed; every time in the tables is given in
// minutes after it.
var created = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return created.Add(time.Duration(minutes) * time.Minute) }

// m makes an optional minute.
func m(minutes int) *int { return &minutes }

var officials = map[hostingv1.Role]string{kd: "budi", kb: "ani", ks: "joko"}

var standards = map[string]time.Duration{
	hostingv1.StepSubmission:   15 * time.Minute,
	hostingv1.StepKepalaDinas:  10 * time.Minute,
	hostingv1.StepKepalaBidang: 10 * time.Minute,
	hostingv1.StepKepalaSeksi:  10 * time.Minute,
	hostingv1.StepProvisioning: 60 * time.Minute,
	// Notification has no time standard.
}

func standard(step string) time.Duration { return standards[step] }

// round is one reconcile: what the operator observes at minute now.
type round struct {
	now int
	// approved maps each role that approved to the minute its decision was recorded
	// (what DecisionTime answers).
	approved map[hostingv1.Role]int
	// rejectedBy, rejectedAt and reason describe a rejection.
	rejectedBy  hostingv1.Role
	rejectedAt  int
	reason      string
	returned    bool
	returnMsg   string
	blocked     bool
	blockMsg    string
	provisioned *int
	notified    *int
}

func (r round) input(previous []hostingv1.Step) Input {
	c := approval.Chain{Approvals: map[hostingv1.Role]string{}}
	for role := range r.approved {
		c.Approvals[role] = officials[role]
	}
	if r.rejectedBy != "" {
		c.Rejection = &approval.Rejection{Role: r.rejectedBy, User: officials[r.rejectedBy], Reason: r.reason}
	}
	in := Input{
		Created:   created,
		Requester: requester,
		Previous:  previous,
		Chain:     c,
		DecisionTime: func(role hostingv1.Role) time.Time {
			if role == r.rejectedBy {
				return at(r.rejectedAt)
			}
			if minutes, ok := r.approved[role]; ok {
				return at(minutes)
			}
			panic("DecisionTime asked for a role without decision: " + string(role))
		},
		Returned:       r.returned,
		ReturnMessage:  r.returnMsg,
		Blocked:        r.blocked,
		BlockedMessage: r.blockMsg,
		Now:            at(r.now),
		Standard:       standard,
	}
	if r.provisioned != nil {
		t := at(*r.provisioned)
		in.ProvisionedAt = &t
	}
	if r.notified != nil {
		t := at(*r.notified)
		in.NotifiedAt = &t
	}
	return in
}

// want is the expected state of one step; nil minutes mean the time is unset.
type want struct {
	state    hostingv1.StepState
	by       string
	started  *int
	decided  *int
	deadline *int
	took     string
	breached bool
	message  string
}

func notStarted() want { return want{state: hostingv1.StepStateNotYet} }

var stepOrder = []struct{ name, role string }{
	{hostingv1.StepSubmission, "applicant"},
	{hostingv1.StepKepalaDinas, string(kd)},
	{hostingv1.StepKepalaBidang, string(kb)},
	{hostingv1.StepKepalaSeksi, string(ks)},
	{hostingv1.StepProvisioning, "operator"},
	{hostingv1.StepNotification, "operator"},
}

func minutes(t *metav1.Time) *int {
	if t == nil {
		return nil
	}
	d := t.Sub(created)
	if d%time.Minute != 0 {
		panic("time not on a whole minute: " + t.String())
	}
	return m(int(d / time.Minute))
}

func fmtMin(p *int) any {
	if p == nil {
		return "nil"
	}
	return *p
}

func checkStep(t *testing.T, s hostingv1.Step, w want) {
	t.Helper()
	got := want{
		state: s.State, by: s.By, started: minutes(s.StartedAt), decided: minutes(s.DecidedAt),
		deadline: minutes(s.Deadline), took: s.Took, breached: s.Breached, message: s.Message,
	}
	if !reflect.DeepEqual(got, w) {
		t.Errorf("step %s:\n got state=%s by=%q started=%v decided=%v deadline=%v took=%q breached=%v message=%q\nwant state=%s by=%q started=%v decided=%v deadline=%v took=%q breached=%v message=%q",
			s.Name,
			got.state, got.by, fmtMin(got.started), fmtMin(got.decided), fmtMin(got.deadline), got.took, got.breached, got.message,
			w.state, w.by, fmtMin(w.started), fmtMin(w.decided), fmtMin(w.deadline), w.took, w.breached, w.message)
	}
}

// checkShape checks what holds for every timeline: the six steps in SOP order with
// their roles and time standards, and the interval entries after the step they
// interrupted, held by the applicant or the platform team, without time standard,
// deadline or breach, Waiting while open and Done once closed.
func checkShape(t *testing.T, steps []hostingv1.Step) {
	t.Helper()
	var sop []hostingv1.Step
	for _, s := range steps {
		if !IsInterval(s.Name) {
			sop = append(sop, s)
			continue
		}
		wantAfter, wantRole := hostingv1.StepKepalaSeksi, "applicant"
		if intervalBase(s.Name) == hostingv1.StepProvisioningBlocked {
			wantAfter, wantRole = hostingv1.StepProvisioning, "platform team"
		}
		if len(sop) == 0 || sop[len(sop)-1].Name != wantAfter {
			t.Errorf("entry %s is not right after step %s: %+v", s.Name, wantAfter, steps)
		}
		if s.Role != wantRole {
			t.Errorf("entry %s is held by %q, want %q", s.Name, s.Role, wantRole)
		}
		if s.TimeStandard != nil || s.Deadline != nil || s.Breached {
			t.Errorf("entry %s has time standard %v, deadline %v, breached %v; want none", s.Name, s.TimeStandard, s.Deadline, s.Breached)
		}
		if open := s.DecidedAt == nil; s.StartedAt == nil || (open && s.State != hostingv1.StepStateWaiting) || (!open && s.State != hostingv1.StepStateDone) {
			t.Errorf("entry %s: state %s, started %v, decided %v", s.Name, s.State, s.StartedAt, s.DecidedAt)
		}
	}
	if len(sop) != len(stepOrder) {
		t.Fatalf("got %d steps, want %d: %+v", len(sop), len(stepOrder), sop)
	}
	for i, s := range sop {
		if s.Name != stepOrder[i].name || s.Role != stepOrder[i].role {
			t.Errorf("step %d = %s/%s, want %s/%s", i, s.Name, s.Role, stepOrder[i].name, stepOrder[i].role)
		}
		std := standard(s.Name)
		switch {
		case std == 0 && s.TimeStandard != nil:
			t.Errorf("step %s has time standard %v, want none", s.Name, s.TimeStandard.Duration)
		case std > 0 && (s.TimeStandard == nil || s.TimeStandard.Duration != std):
			t.Errorf("step %s has time standard %v, want %v", s.Name, s.TimeStandard, std)
		}
	}
}

func TestBuild(t *testing.T) {
	const (
		takenMsg      = "dinkes.kuduskab.go.id is already served by Ingress lama/web"
		otherMsg      = "dinas-kesehatan.kuduskab.go.id is on the platform's reserved list; choose another name"
		blockMsg      = "Namespace web-dinkes exists and was not created by this operator; it is left untouched"
		otherBlockMsg = "Service web-dinkes/web exists and was not created by this operator; it is left untouched"
		clockStopped  = "clock stopped: the request is back with the applicant"
	)
	moved := func(d string) string {
		return "deadline moved by " + d + ", the time the request was back with the applicant"
	}
	kdAt5 := map[hostingv1.Role]int{kd: 5}
	twoApproved := map[hostingv1.Role]int{kd: 5, kb: 9}
	allApproved := map[hostingv1.Role]int{kd: 5, kb: 9, ks: 14}
	// approvedInOrder are the reconciles of a request approved step by step.
	approvedInOrder := []round{{now: 1}, {now: 6, approved: kdAt5}, {now: 12, approved: twoApproved}, {now: 20, approved: allApproved}}
	// returned are the reconciles of a request whose name turned out taken while it
	// waited for the Kepala Seksi.
	returned := []round{{now: 1}, {now: 6, approved: kdAt5}, {now: 12, approved: twoApproved},
		{now: 13, approved: twoApproved, returned: true, returnMsg: takenMsg}}

	// The submission is complete when the request is created; the Kepala Dinas's
	// clock starts then, whenever the operator first sees the request.
	submission := want{state: hostingv1.StepStateDone, by: requester, started: m(0), decided: m(0), deadline: m(15), took: "0s"}

	tests := map[string]struct {
		// previous is the status before the first round (nil: a new request).
		previous []hostingv1.Step
		rounds   []round
		want     map[string]want
		// intervals, when set, are the names of the interval entries, in order.
		intervals []string
	}{
		"nothing approved: kepala dinas waits": {
			rounds: []round{{now: 1}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10)},
				hostingv1.StepKepalaBidang: notStarted(),
				hostingv1.StepKepalaSeksi:  notStarted(),
				hostingv1.StepProvisioning: notStarted(),
				hostingv1.StepNotification: notStarted(),
			},
		},
		"nothing approved: not breached at the deadline": {
			rounds: []round{{now: 1}, {now: 10}},
			want: map[string]want{
				hostingv1.StepSubmission:  submission,
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10)},
			},
		},
		"nothing approved: breached after the deadline": {
			rounds: []round{{now: 1}, {now: 11}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10), breached: true},
				hostingv1.StepKepalaBidang: notStarted(),
			},
		},
		"first seen late: submission is not breached, kepala dinas is": {
			rounds: []round{{now: 16}},
			want: map[string]want{
				hostingv1.StepSubmission:  submission,
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10), breached: true},
			},
		},
		"first seen late: the submission stays decided at creation": {
			rounds: []round{{now: 16}, {now: 20}},
			want: map[string]want{
				hostingv1.StepSubmission:  submission,
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10), breached: true},
			},
		},
		"first seen after the kepala dinas approved": {
			rounds: []round{{now: 8, approved: kdAt5}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateWaiting, started: m(5), deadline: m(15)},
			},
		},
		"kepala dinas approved within the standard": {
			rounds: []round{{now: 1}, {now: 6, approved: kdAt5}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateWaiting, started: m(5), deadline: m(15)},
				hostingv1.StepKepalaSeksi:  notStarted(),
				hostingv1.StepProvisioning: notStarted(),
			},
		},
		"kepala dinas approved late is breached": {
			rounds: []round{{now: 1}, {now: 21, approved: map[hostingv1.Role]int{kd: 20}}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(20), deadline: m(10), took: "20m0s", breached: true},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateWaiting, started: m(20), deadline: m(30)},
			},
		},
		"a decision time is recorded once and not rewritten": {
			rounds: []round{{now: 1}, {now: 6, approved: kdAt5},
				// DecisionTime now answers a later time; the recorded one stays.
				{now: 30, approved: map[hostingv1.Role]int{kd: 25}}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateWaiting, started: m(5), deadline: m(15), breached: true},
			},
		},
		"each step starts when the previous one was decided": {
			rounds: approvedInOrder,
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateDone, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s"},
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateDone, by: "joko", started: m(9), decided: m(14), deadline: m(19), took: "5m0s"},
				hostingv1.StepProvisioning: {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74)},
				hostingv1.StepNotification: notStarted(),
			},
		},
		"provisioning overdue is breached": {
			rounds: append(append([]round{}, approvedInOrder...), round{now: 75, approved: allApproved}),
			want: map[string]want{
				hostingv1.StepProvisioning: {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74), breached: true},
				hostingv1.StepNotification: notStarted(),
			},
		},
		"provisioned: provisioning done, notification waits": {
			rounds: append(append([]round{}, approvedInOrder...), round{now: 40, approved: allApproved, provisioned: m(35)}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateDone, by: "joko", started: m(9), decided: m(14), deadline: m(19), took: "5m0s"},
				hostingv1.StepProvisioning: {state: hostingv1.StepStateDone, started: m(14), decided: m(35), deadline: m(74), took: "21m0s"},
				hostingv1.StepNotification: {state: hostingv1.StepStateWaiting, started: m(35)},
			},
		},
		"provisioned time is recorded once": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 40, approved: allApproved, provisioned: m(35)},
				round{now: 50, approved: allApproved, provisioned: m(50)}),
			want: map[string]want{
				hostingv1.StepProvisioning: {state: hostingv1.StepStateDone, started: m(14), decided: m(35), deadline: m(74), took: "21m0s"},
				hostingv1.StepNotification: {state: hostingv1.StepStateWaiting, started: m(35)},
			},
		},
		"notified": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 40, approved: allApproved, provisioned: m(35)},
				round{now: 42, approved: allApproved, provisioned: m(35), notified: m(41)}),
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateDone, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s"},
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateDone, by: "joko", started: m(9), decided: m(14), deadline: m(19), took: "5m0s"},
				hostingv1.StepProvisioning: {state: hostingv1.StepStateDone, started: m(14), decided: m(35), deadline: m(74), took: "21m0s"},
				hostingv1.StepNotification: {state: hostingv1.StepStateDone, started: m(35), decided: m(41), took: "6m0s"},
			},
		},
		"rejection by kepala bidang stops the chain": {
			rounds: []round{{now: 1}, {now: 6, approved: kdAt5},
				{now: 10, approved: kdAt5, rejectedBy: kb, rejectedAt: 9, reason: "surat belum ditandatangani"}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateRejected, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s", message: "surat belum ditandatangani"},
				hostingv1.StepKepalaSeksi:  notStarted(),
				hostingv1.StepProvisioning: notStarted(),
				hostingv1.StepNotification: notStarted(),
			},
		},
		"rejection by kepala dinas stops the chain": {
			rounds: []round{{now: 1}, {now: 3, rejectedBy: kd, rejectedAt: 2, reason: "bukan unit pemerintah"}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateRejected, by: "budi", started: m(0), decided: m(2), deadline: m(10), took: "2m0s", message: "bukan unit pemerintah"},
				hostingv1.StepKepalaBidang: notStarted(),
				hostingv1.StepKepalaSeksi:  notStarted(),
				hostingv1.StepProvisioning: notStarted(),
			},
		},
		"rejection time is recorded once": {
			rounds: []round{{now: 1}, {now: 3, rejectedBy: kd, rejectedAt: 2, reason: "r"},
				{now: 30, rejectedBy: kd, rejectedAt: 29, reason: "r"}},
			want: map[string]want{
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateRejected, by: "budi", started: m(0), decided: m(2), deadline: m(10), took: "2m0s", message: "r"},
			},
		},
		"rejection by kepala seksi after two approvals": {
			rounds: []round{{now: 1}, {now: 6, approved: kdAt5}, {now: 12, approved: twoApproved},
				{now: 30, approved: twoApproved, rejectedBy: ks, rejectedAt: 25, reason: "nama tidak sesuai"}},
			want: map[string]want{
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateRejected, by: "joko", started: m(9), decided: m(25), deadline: m(19), took: "16m0s", breached: true, message: "nama tidak sesuai"},
				hostingv1.StepProvisioning: notStarted(),
				hostingv1.StepNotification: notStarted(),
			},
		},
		"returned: kepala seksi step has no deadline": {
			rounds: returned,
			want: map[string]want{
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateDone, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s"},
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateReturned, started: m(9), message: takenMsg},
				hostingv1.StepProvisioning: notStarted(),
				hostingv1.StepNotification: notStarted(),
			},
		},
		"returned for long is not breached": {
			rounds: append(append([]round{}, returned...), round{now: 60, approved: twoApproved, returned: true, returnMsg: takenMsg}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateReturned, started: m(9), message: takenMsg},
				hostingv1.StepProvisioning: notStarted(),
			},
		},
		"returned after the kepala seksi step was breached clears the breach": {
			rounds: []round{{now: 1}, {now: 6, approved: kdAt5}, {now: 12, approved: twoApproved},
				{now: 25, approved: twoApproved},
				{now: 26, approved: twoApproved, returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepKepalaSeksi: {state: hostingv1.StepStateReturned, started: m(9), message: takenMsg},
			},
		},
		"returned before kepala dinas decided: the kepala dinas's clock is stopped": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateWaiting, started: m(0), message: clockStopped},
				hostingv1.StepKepalaBidang:    notStarted(),
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateReturned, started: m(1), message: takenMsg},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateWaiting, started: m(1), message: takenMsg},
				hostingv1.StepProvisioning:    notStarted(),
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"after a rename the kepala seksi step restarts at now": {
			rounds: append(append([]round{}, returned...),
				round{now: 30, approved: twoApproved, returned: true, returnMsg: takenMsg},
				round{now: 40, approved: twoApproved}),
			want: map[string]want{
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateDone, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s"},
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateWaiting, started: m(40), deadline: m(50)},
				hostingv1.StepProvisioning: notStarted(),
			},
		},
		"after a rename the restarted step keeps its new start": {
			rounds: append(append([]round{}, returned...),
				round{now: 40, approved: twoApproved},
				round{now: 51, approved: twoApproved}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi: {state: hostingv1.StepStateWaiting, started: m(40), deadline: m(50), breached: true},
			},
		},
		"after a rename the kepala seksi approves": {
			rounds: append(append([]round{}, returned...),
				round{now: 40, approved: twoApproved},
				round{now: 45, approved: map[hostingv1.Role]int{kd: 5, kb: 9, ks: 44}}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateDone, by: "joko", started: m(40), decided: m(44), deadline: m(50), took: "4m0s"},
				hostingv1.StepProvisioning: {state: hostingv1.StepStateWaiting, started: m(44), deadline: m(104)},
			},
		},
		"a breach on record stays while the step keeps its start": {
			// The step was seen breached; the decision is recorded at the deadline
			// (to the second), which measure alone would not call a breach.
			previous: []hostingv1.Step{
				{Name: hostingv1.StepSubmission, State: hostingv1.StepStateDone, StartedAt: mtp(0), DecidedAt: mtp(0)},
				{Name: hostingv1.StepKepalaDinas, State: hostingv1.StepStateWaiting, StartedAt: mtp(0), Breached: true},
			},
			rounds: []round{{now: 11, approved: map[hostingv1.Role]int{kd: 10}}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(10), deadline: m(10), took: "10m0s", breached: true},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateWaiting, started: m(10), deadline: m(20)},
			},
		},
		"a breach on record stays for a waiting step": {
			previous: []hostingv1.Step{
				{Name: hostingv1.StepSubmission, State: hostingv1.StepStateDone, StartedAt: mtp(0), DecidedAt: mtp(0)},
				{Name: hostingv1.StepKepalaDinas, State: hostingv1.StepStateWaiting, StartedAt: mtp(0), Breached: true},
			},
			rounds: []round{{now: 5}},
			want: map[string]want{
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10), breached: true},
			},
		},
		"a breach on record is dropped when the step restarts": {
			previous: []hostingv1.Step{
				{Name: hostingv1.StepSubmission, State: hostingv1.StepStateDone, StartedAt: mtp(0), DecidedAt: mtp(0)},
				{Name: hostingv1.StepKepalaDinas, State: hostingv1.StepStateDone, By: "budi", StartedAt: mtp(0), DecidedAt: mtp(5)},
				{Name: hostingv1.StepKepalaBidang, State: hostingv1.StepStateDone, By: "ani", StartedAt: mtp(5), DecidedAt: mtp(9)},
				{Name: hostingv1.StepKepalaSeksi, State: hostingv1.StepStateReturned, StartedAt: mtp(9), Breached: true},
			},
			rounds: []round{{now: 40, approved: twoApproved}},
			want: map[string]want{
				hostingv1.StepKepalaSeksi: {state: hostingv1.StepStateWaiting, started: m(40), deadline: m(50)},
			},
		},
		"a decision recorded before the step started took 0s": {
			// The decision time comes from another clock than the creation time.
			rounds: []round{{now: 1}, {now: 3, approved: map[hostingv1.Role]int{kd: -1}}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(-1), deadline: m(10), took: "0s"},
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateWaiting, started: m(-1), deadline: m(9)},
			},
		},
		"a rejection recorded before the step started took 0s": {
			rounds: []round{{now: 1}, {now: 3, rejectedBy: kd, rejectedAt: -2, reason: "r"}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateRejected, by: "budi", started: m(0), decided: m(-2), deadline: m(10), took: "0s", message: "r"},
				hostingv1.StepKepalaBidang: notStarted(),
			},
		},
		"after a rename a decision recorded before the restart took 0s": {
			rounds: append(append([]round{}, returned...),
				round{now: 40, approved: twoApproved},
				round{now: 45, approved: map[hostingv1.Role]int{kd: 5, kb: 9, ks: 38}}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:  {state: hostingv1.StepStateDone, by: "joko", started: m(40), decided: m(38), deadline: m(50), took: "0s"},
				hostingv1.StepProvisioning: {state: hostingv1.StepStateWaiting, started: m(38), deadline: m(98)},
			},
		},
		"returned with a kepala dinas rejection: kepala seksi not started": {
			rounds: []round{{now: 1},
				{now: 3, rejectedBy: kd, rejectedAt: 2, reason: "bukan unit pemerintah", returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepSubmission:   submission,
				hostingv1.StepKepalaDinas:  {state: hostingv1.StepStateRejected, by: "budi", started: m(0), decided: m(2), deadline: m(10), took: "2m0s", message: "bukan unit pemerintah"},
				hostingv1.StepKepalaBidang: notStarted(),
				hostingv1.StepKepalaSeksi:  notStarted(),
				hostingv1.StepProvisioning: notStarted(),
				hostingv1.StepNotification: notStarted(),
			},
		},
		"returned, then a kepala dinas rejection: the returned mark is dropped": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg},
				{now: 3, rejectedBy: kd, rejectedAt: 2, reason: "bukan unit pemerintah", returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				// The minute with the applicant (1 to 2) moved the deadline.
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateRejected, by: "budi", started: m(0), decided: m(2), deadline: m(11), took: "2m0s", message: "bukan unit pemerintah"},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(1), decided: m(2), took: "1m0s", message: takenMsg},
				hostingv1.StepKepalaBidang:    notStarted(),
				hostingv1.StepKepalaSeksi:     notStarted(),
				hostingv1.StepProvisioning:    notStarted(),
			},
		},
		"returned with a kepala bidang rejection: kepala seksi not started": {
			rounds: []round{{now: 1}, {now: 6, approved: kdAt5},
				{now: 10, approved: kdAt5, rejectedBy: kb, rejectedAt: 9, reason: "surat belum ditandatangani", returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateRejected, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s", message: "surat belum ditandatangani"},
				hostingv1.StepKepalaSeksi:  notStarted(),
				hostingv1.StepProvisioning: notStarted(),
			},
		},
		"returned with a kepala seksi rejection: kepala seksi rejected": {
			rounds: append(append([]round{}, returned...),
				round{now: 16, approved: twoApproved, rejectedBy: ks, rejectedAt: 15, reason: "nama tidak sesuai", returned: true, returnMsg: takenMsg}),
			want: map[string]want{
				hostingv1.StepKepalaBidang: {state: hostingv1.StepStateDone, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s"},
				// The kepala seksi's clock stopped from the return (13) to the rejection (15).
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateRejected, by: "joko", started: m(9), decided: m(15), deadline: m(21), took: "6m0s", message: "nama tidak sesuai"},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(13), decided: m(15), took: "2m0s", message: takenMsg},
				hostingv1.StepProvisioning:    notStarted(),
				hostingv1.StepNotification:    notStarted(),
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"returned: the applicant's entry holds the request from the return, with the reason": {
			rounds: returned,
			want: map[string]want{
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateReturned, started: m(9), message: takenMsg},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateWaiting, started: m(13), message: takenMsg},
				hostingv1.StepProvisioning:    notStarted(),
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"returned for days: no official is breached, the applicant's entry stays open": {
			rounds: append(append([]round{}, returned...), round{now: 3 * 24 * 60, approved: twoApproved, returned: true, returnMsg: takenMsg}),
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(5), deadline: m(10), took: "5m0s"},
				hostingv1.StepKepalaBidang:    {state: hostingv1.StepStateDone, by: "ani", started: m(5), decided: m(9), deadline: m(15), took: "4m0s"},
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateReturned, started: m(9), message: takenMsg},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateWaiting, started: m(13), message: takenMsg},
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"returned at once and for hours: the kepala dinas's clock stays stopped": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg}, {now: 500, returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateWaiting, started: m(0), message: clockStopped},
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateReturned, started: m(1), message: takenMsg},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateWaiting, started: m(1), message: takenMsg},
			},
		},
		"after a long return the kepala dinas's deadline moves by the applicant's time": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg}, {now: 300, returned: true, returnMsg: takenMsg}, {now: 301}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(310), message: moved("5h0m0s")},
				hostingv1.StepKepalaSeksi:     notStarted(),
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(1), decided: m(301), took: "5h0m0s", message: takenMsg},
			},
		},
		"after a long return the kepala dinas is not breached at the moved deadline": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg}, {now: 301}, {now: 310}},
			want: map[string]want{
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(310), message: moved("5h0m0s")},
			},
		},
		"after a long return the kepala dinas is breached once its own time ran out": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg}, {now: 301}, {now: 311}},
			want: map[string]want{
				hostingv1.StepKepalaDinas: {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(310), breached: true, message: moved("5h0m0s")},
			},
		},
		"a breach before the return stays; the return adds none": {
			rounds: []round{{now: 1}, {now: 12}, {now: 13, returned: true, returnMsg: takenMsg}, {now: 400, returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateWaiting, started: m(0), deadline: m(10), breached: true, message: clockStopped},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateWaiting, started: m(13), message: takenMsg},
			},
		},
		"officials deciding while the request is with the applicant: their clocks are stopped": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg},
				{now: 30, approved: map[hostingv1.Role]int{kd: 25}, returned: true, returnMsg: takenMsg}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(25), deadline: m(34), took: "25m0s", message: moved("24m0s")},
				hostingv1.StepKepalaBidang:    {state: hostingv1.StepStateWaiting, started: m(25), message: clockStopped},
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateReturned, started: m(1), message: takenMsg},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateWaiting, started: m(1), message: takenMsg},
			},
		},
		"officials deciding while the request is with the applicant: after the rename": {
			rounds: []round{{now: 1, returned: true, returnMsg: takenMsg},
				{now: 30, approved: map[hostingv1.Role]int{kd: 25}, returned: true, returnMsg: takenMsg},
				{now: 40, approved: map[hostingv1.Role]int{kd: 25}}},
			want: map[string]want{
				hostingv1.StepKepalaDinas:     {state: hostingv1.StepStateDone, by: "budi", started: m(0), decided: m(25), deadline: m(34), took: "25m0s", message: moved("24m0s")},
				hostingv1.StepKepalaBidang:    {state: hostingv1.StepStateWaiting, started: m(25), deadline: m(50), message: moved("15m0s")},
				hostingv1.StepKepalaSeksi:     notStarted(),
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(1), decided: m(40), took: "39m0s", message: takenMsg},
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"after a rename the applicant's entry is closed at the rename": {
			rounds: append(append([]round{}, returned...), round{now: 40, approved: twoApproved}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateWaiting, started: m(40), deadline: m(50)},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(13), decided: m(40), took: "27m0s", message: takenMsg},
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"renamed and approved before the operator looked: the entry ends at the restart": {
			rounds: append(append([]round{}, returned...), round{now: 45, approved: map[hostingv1.Role]int{kd: 5, kb: 9, ks: 44}}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:     {state: hostingv1.StepStateDone, by: "joko", started: m(44), decided: m(44), deadline: m(54), took: "0s"},
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(13), decided: m(44), took: "31m0s", message: takenMsg},
				hostingv1.StepProvisioning:    {state: hostingv1.StepStateWaiting, started: m(44), deadline: m(104)},
			},
		},
		"repeated returns: the second return opens a second entry": {
			rounds: append(append([]round{}, returned...),
				round{now: 40, approved: twoApproved},
				round{now: 45, approved: twoApproved, returned: true, returnMsg: otherMsg}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:            {state: hostingv1.StepStateReturned, started: m(40), message: otherMsg},
				hostingv1.StepApplicantRename:        {state: hostingv1.StepStateDone, started: m(13), decided: m(40), took: "27m0s", message: takenMsg},
				hostingv1.StepApplicantRename + "-2": {state: hostingv1.StepStateWaiting, started: m(45), message: otherMsg},
			},
			intervals: []string{hostingv1.StepApplicantRename, hostingv1.StepApplicantRename + "-2"},
		},
		"repeated returns: one entry per return, each with its own times and reason": {
			rounds: append(append([]round{}, returned...),
				round{now: 40, approved: twoApproved},
				round{now: 45, approved: twoApproved, returned: true, returnMsg: otherMsg},
				round{now: 60, approved: twoApproved},
				round{now: 61, approved: twoApproved, returned: true, returnMsg: takenMsg},
				round{now: 70, approved: twoApproved},
				round{now: 72, approved: map[hostingv1.Role]int{kd: 5, kb: 9, ks: 71}}),
			want: map[string]want{
				hostingv1.StepKepalaSeksi:            {state: hostingv1.StepStateDone, by: "joko", started: m(70), decided: m(71), deadline: m(80), took: "1m0s"},
				hostingv1.StepApplicantRename:        {state: hostingv1.StepStateDone, started: m(13), decided: m(40), took: "27m0s", message: takenMsg},
				hostingv1.StepApplicantRename + "-2": {state: hostingv1.StepStateDone, started: m(45), decided: m(60), took: "15m0s", message: otherMsg},
				hostingv1.StepApplicantRename + "-3": {state: hostingv1.StepStateDone, started: m(61), decided: m(70), took: "9m0s", message: takenMsg},
				hostingv1.StepProvisioning:           {state: hostingv1.StepStateWaiting, started: m(71), deadline: m(131)},
			},
			intervals: []string{hostingv1.StepApplicantRename, hostingv1.StepApplicantRename + "-2", hostingv1.StepApplicantRename + "-3"},
		},
		"the reason of an open return follows the name check; a closed entry keeps its own": {
			rounds: append(append([]round{}, returned...),
				round{now: 20, approved: twoApproved, returned: true, returnMsg: otherMsg},
				round{now: 40, approved: twoApproved},
				round{now: 50, approved: twoApproved}),
			want: map[string]want{
				hostingv1.StepApplicantRename: {state: hostingv1.StepStateDone, started: m(13), decided: m(40), took: "27m0s", message: otherMsg},
			},
			intervals: []string{hostingv1.StepApplicantRename},
		},
		"blocked on the platform team: its own entry; the provisioning standard keeps running": {
			rounds: append(append([]round{}, approvedInOrder...), round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg}),
			want: map[string]want{
				hostingv1.StepProvisioning:        {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74), message: "blocked on the platform team since 2026-03-02T08:20:00Z: " + blockMsg},
				hostingv1.StepProvisioningBlocked: {state: hostingv1.StepStateWaiting, started: m(20), message: blockMsg},
				hostingv1.StepNotification:        notStarted(),
			},
			intervals: []string{hostingv1.StepProvisioningBlocked},
		},
		"blocked past the provisioning standard: the breach says the time was the platform team's": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 80, approved: allApproved, blocked: true, blockMsg: blockMsg}),
			want: map[string]want{
				hostingv1.StepProvisioning:        {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74), breached: true, message: "blocked on the platform team since 2026-03-02T08:20:00Z: " + blockMsg},
				hostingv1.StepProvisioningBlocked: {state: hostingv1.StepStateWaiting, started: m(20), message: blockMsg},
			},
		},
		"unblocked and provisioned: the entry is closed, the provisioning step tells how long was blocked": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 80, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 90, approved: allApproved},
				round{now: 95, approved: allApproved, provisioned: m(95)}),
			want: map[string]want{
				hostingv1.StepProvisioning:        {state: hostingv1.StepStateDone, started: m(14), decided: m(95), deadline: m(74), took: "1h21m0s", breached: true, message: "blocked on the platform team for 1h10m0s: " + blockMsg},
				hostingv1.StepProvisioningBlocked: {state: hostingv1.StepStateDone, started: m(20), decided: m(90), took: "1h10m0s", message: blockMsg},
				hostingv1.StepNotification:        {state: hostingv1.StepStateWaiting, started: m(95)},
			},
			intervals: []string{hostingv1.StepProvisioningBlocked},
		},
		"provisioned while blocked: the entry ends when the site is ready": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 40, approved: allApproved, provisioned: m(35)}),
			want: map[string]want{
				hostingv1.StepProvisioning:        {state: hostingv1.StepStateDone, started: m(14), decided: m(35), deadline: m(74), took: "21m0s", message: "blocked on the platform team for 15m0s: " + blockMsg},
				hostingv1.StepProvisioningBlocked: {state: hostingv1.StepStateDone, started: m(20), decided: m(35), took: "15m0s", message: blockMsg},
			},
		},
		"blocked again: a second entry; the provisioning step counts both": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 30, approved: allApproved},
				round{now: 40, approved: allApproved, blocked: true, blockMsg: otherBlockMsg}),
			want: map[string]want{
				hostingv1.StepProvisioning: {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74),
					message: "blocked on the platform team since 2026-03-02T08:40:00Z: " + otherBlockMsg + " (blocked before once, 10m0s in all)"},
				hostingv1.StepProvisioningBlocked:        {state: hostingv1.StepStateDone, started: m(20), decided: m(30), took: "10m0s", message: blockMsg},
				hostingv1.StepProvisioningBlocked + "-2": {state: hostingv1.StepStateWaiting, started: m(40), message: otherBlockMsg},
			},
			intervals: []string{hostingv1.StepProvisioningBlocked, hostingv1.StepProvisioningBlocked + "-2"},
		},
		"blocked twice and unblocked": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 30, approved: allApproved},
				round{now: 40, approved: allApproved, blocked: true, blockMsg: otherBlockMsg},
				round{now: 52, approved: allApproved}),
			want: map[string]want{
				hostingv1.StepProvisioning: {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74),
					message: "blocked on the platform team 2 times, 22m0s in all; the last time: " + otherBlockMsg},
				hostingv1.StepProvisioningBlocked:        {state: hostingv1.StepStateDone, started: m(20), decided: m(30), took: "10m0s", message: blockMsg},
				hostingv1.StepProvisioningBlocked + "-2": {state: hostingv1.StepStateDone, started: m(40), decided: m(52), took: "12m0s", message: otherBlockMsg},
			},
		},
		"the message of an open block follows the conflict": {
			rounds: append(append([]round{}, approvedInOrder...),
				round{now: 20, approved: allApproved, blocked: true, blockMsg: blockMsg},
				round{now: 25, approved: allApproved, blocked: true, blockMsg: otherBlockMsg}),
			want: map[string]want{
				hostingv1.StepProvisioning:        {state: hostingv1.StepStateWaiting, started: m(14), deadline: m(74), message: "blocked on the platform team since 2026-03-02T08:20:00Z: " + otherBlockMsg},
				hostingv1.StepProvisioningBlocked: {state: hostingv1.StepStateWaiting, started: m(20), message: otherBlockMsg},
			},
			intervals: []string{hostingv1.StepProvisioningBlocked},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			steps := tc.previous
			for _, r := range tc.rounds {
				steps = Build(r.input(steps))
				checkShape(t, steps)
			}
			for _, s := range steps {
				if w, ok := tc.want[s.Name]; ok {
					checkStep(t, s, w)
				}
			}
			if tc.intervals != nil {
				if got := intervalNames(steps); !reflect.DeepEqual(got, tc.intervals) {
					t.Errorf("interval entries %v, want %v", got, tc.intervals)
				}
			}
			for name := range tc.want {
				if findStep(steps, name) == nil {
					t.Errorf("no step %s in %+v", name, steps)
				}
			}
		})
	}
}

func intervalNames(steps []hostingv1.Step) []string {
	out := []string{}
	for _, s := range steps {
		if IsInterval(s.Name) {
			out = append(out, s.Name)
		}
	}
	return out
}

func findStep(steps []hostingv1.Step, name string) *hostingv1.Step {
	for i := range steps {
		if steps[i].Name == name {
			return &steps[i]
		}
	}
	return nil
}

func mtp(minutes int) *metav1.Time {
	t := metav1.NewTime(at(minutes))
	return &t
}

func TestBuildTruncatesToTheSecond(t *testing.T) {
	r := round{now: 6, approved: map[hostingv1.Role]int{kd: 5}}
	in := r.input(nil)
	in.Created = created.Add(700 * time.Millisecond)
	in.Now = at(6).Add(999 * time.Millisecond)
	in.DecisionTime = func(hostingv1.Role) time.Time { return at(5).Add(900 * time.Millisecond) }
	steps := Build(in)

	sub := steps[0]
	if !sub.StartedAt.Time.Equal(created) || !sub.DecidedAt.Time.Equal(created) {
		t.Errorf("Submission started %v decided %v, want both %v", sub.StartedAt, sub.DecidedAt, created)
	}
	if sub.Took != "0s" {
		t.Errorf("Submission Took = %q, want 0s", sub.Took)
	}
	if loc := sub.StartedAt.Location(); loc != time.UTC {
		t.Errorf("StartedAt location = %v, want UTC", loc)
	}
	if loc := sub.DecidedAt.Location(); loc != time.UTC {
		t.Errorf("DecidedAt location = %v, want UTC", loc)
	}

	kds := steps[1]
	if !kds.StartedAt.Time.Equal(created) || !kds.DecidedAt.Time.Equal(at(5)) || !kds.Deadline.Time.Equal(at(10)) {
		t.Errorf("KepalaDinas started %v decided %v deadline %v, want %v, %v and %v", kds.StartedAt, kds.DecidedAt, kds.Deadline, created, at(5), at(10))
	}
	if kds.Took != "5m0s" {
		t.Errorf("KepalaDinas Took = %q, want 5m0s", kds.Took)
	}
}

func TestBuildCreatedInAnotherZone(t *testing.T) {
	in := round{now: 1}.input(nil)
	in.Created = created.In(time.FixedZone("WIB", 7*60*60))
	sub := Build(in)[0]
	if sub.StartedAt.Location() != time.UTC || sub.DecidedAt.Location() != time.UTC {
		t.Errorf("Submission times in %v and %v, want UTC", sub.StartedAt.Location(), sub.DecidedAt.Location())
	}
	if !sub.StartedAt.Time.Equal(created) || !sub.DecidedAt.Time.Equal(created) {
		t.Errorf("Submission started %v decided %v, want both %v", sub.StartedAt, sub.DecidedAt, created)
	}
}

func TestBuildKeepsPreviousInput(t *testing.T) {
	prev := Build(round{now: 1}.input(nil))
	snapshot := make([]hostingv1.Step, len(prev))
	for i := range prev {
		prev[i].DeepCopyInto(&snapshot[i])
	}
	Build(round{now: 30, approved: map[hostingv1.Role]int{kd: 5}}.input(prev))
	if !reflect.DeepEqual(prev, snapshot) {
		t.Errorf("Build changed its Previous input")
	}
}

func TestBreached(t *testing.T) {
	tests := map[string]struct {
		steps []hostingv1.Step
		want  []string
	}{
		"no steps": {steps: nil, want: nil},
		"none breached": {
			steps: []hostingv1.Step{{Name: hostingv1.StepSubmission}, {Name: hostingv1.StepKepalaDinas}},
			want:  nil,
		},
		"one breached": {
			steps: []hostingv1.Step{{Name: hostingv1.StepSubmission}, {Name: hostingv1.StepKepalaDinas, Breached: true}},
			want:  []string{hostingv1.StepKepalaDinas},
		},
		"several, in step order": {
			steps: []hostingv1.Step{
				{Name: hostingv1.StepSubmission, Breached: true},
				{Name: hostingv1.StepKepalaDinas},
				{Name: hostingv1.StepKepalaBidang, Breached: true},
				{Name: hostingv1.StepProvisioning, Breached: true},
			},
			want: []string{hostingv1.StepSubmission, hostingv1.StepKepalaBidang, hostingv1.StepProvisioning},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Breached(tc.steps); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Breached() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBreachedFromBuild(t *testing.T) {
	steps := Build(round{now: 1}.input(nil))
	steps = Build(round{now: 30}.input(steps))
	if got, want := Breached(steps), []string{hostingv1.StepKepalaDinas}; !reflect.DeepEqual(got, want) {
		t.Errorf("Breached() = %v, want %v", got, want)
	}
}

func TestNextDeadline(t *testing.T) {
	now := at(20)
	waiting := func(name string, deadline int, breached bool) hostingv1.Step {
		return hostingv1.Step{Name: name, State: hostingv1.StepStateWaiting, Deadline: mtp(deadline), Breached: breached}
	}
	tests := map[string]struct {
		steps  []hostingv1.Step
		want   time.Time
		wantOK bool
	}{
		"no steps": {},
		"one waiting step with a future deadline": {
			steps: []hostingv1.Step{waiting(hostingv1.StepKepalaDinas, 25, false)},
			want:  at(25), wantOK: true,
		},
		"the earliest future deadline": {
			steps: []hostingv1.Step{
				waiting(hostingv1.StepProvisioning, 80, false),
				waiting(hostingv1.StepKepalaDinas, 30, false),
				waiting(hostingv1.StepKepalaBidang, 22, false),
			},
			want: at(22), wantOK: true,
		},
		"past deadlines are skipped": {
			steps: []hostingv1.Step{waiting(hostingv1.StepKepalaDinas, 10, false), waiting(hostingv1.StepProvisioning, 70, false)},
			want:  at(70), wantOK: true,
		},
		"a deadline equal to now has passed": {
			steps: []hostingv1.Step{waiting(hostingv1.StepKepalaDinas, 20, false)},
		},
		"breached steps are skipped": {
			steps: []hostingv1.Step{waiting(hostingv1.StepKepalaDinas, 25, true), waiting(hostingv1.StepProvisioning, 70, false)},
			want:  at(70), wantOK: true,
		},
		"steps not waiting are skipped": {
			steps: []hostingv1.Step{
				{Name: hostingv1.StepSubmission, State: hostingv1.StepStateDone, Deadline: mtp(21)},
				{Name: hostingv1.StepKepalaDinas, State: hostingv1.StepStateRejected, Deadline: mtp(22)},
				{Name: hostingv1.StepKepalaSeksi, State: hostingv1.StepStateReturned, Deadline: mtp(23)},
				{Name: hostingv1.StepProvisioning, State: hostingv1.StepStateNotYet, Deadline: mtp(24)},
				waiting(hostingv1.StepKepalaBidang, 40, false),
			},
			want: at(40), wantOK: true,
		},
		"a waiting step without deadline": {
			steps: []hostingv1.Step{{Name: hostingv1.StepNotification, State: hostingv1.StepStateWaiting}},
		},
		"all deadlines passed": {
			steps: []hostingv1.Step{waiting(hostingv1.StepKepalaDinas, 5, false), waiting(hostingv1.StepKepalaBidang, 19, false)},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := NextDeadline(tc.steps, now)
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("NextDeadline() = (%v, %v), want (%v, %v)", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestNextDeadlineFromBuild(t *testing.T) {
	tests := map[string]struct {
		// first is when the operator first saw the request, now when it looks again.
		first, now int
		want       time.Time
		wantOK     bool
	}{
		"kepala dinas deadline ahead":                    {first: 1, now: 2, want: at(10), wantOK: true},
		"deadline counted from creation, not first seen": {first: 8, now: 9, want: at(10), wantOK: true},
		"kepala dinas deadline reached":                  {first: 1, now: 10},
		"kepala dinas deadline passed":                   {first: 1, now: 11},
		"first seen after the deadline":                  {first: 12, now: 12},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			steps := Build(round{now: tc.first}.input(nil))
			steps = Build(round{now: tc.now}.input(steps))
			got, ok := NextDeadline(steps, at(tc.now))
			if ok != tc.wantOK || !got.Equal(tc.want) {
				t.Errorf("NextDeadline() = (%v, %v), want (%v, %v)", got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestBuildApplicantsTimeBreachesNoOfficial: however long a returned request waits for
// the applicant, no official's step is breached by it and no deadline is pending.
func TestBuildApplicantsTimeBreachesNoOfficial(t *testing.T) {
	const why = "helpdesktik.kuduskab.go.id is on the platform's reserved list; choose another name"
	ret := func(now int, approved map[hostingv1.Role]int) round {
		return round{now: now, approved: approved, returned: true, returnMsg: why}
	}
	week := 7 * 24 * 60
	tests := map[string][]round{
		"returned at once, before any decision": {ret(0, nil), ret(week, nil)},
		"returned while the kepala bidang waits": {{now: 1}, {now: 6, approved: map[hostingv1.Role]int{kd: 5}},
			ret(7, map[hostingv1.Role]int{kd: 5}), ret(week, map[hostingv1.Role]int{kd: 5})},
		"returned while the kepala seksi waits": {{now: 1}, {now: 10, approved: map[hostingv1.Role]int{kd: 5, kb: 9}},
			ret(11, map[hostingv1.Role]int{kd: 5, kb: 9}), ret(week, map[hostingv1.Role]int{kd: 5, kb: 9})},
		"returned after all three approved (the name went to another request)": {{now: 1},
			{now: 20, approved: map[hostingv1.Role]int{kd: 5, kb: 9, ks: 14}},
			ret(21, map[hostingv1.Role]int{kd: 5, kb: 9, ks: 14}), ret(week, map[hostingv1.Role]int{kd: 5, kb: 9, ks: 14})},
		"officials deciding late while returned": {ret(0, nil), ret(60, map[hostingv1.Role]int{kd: 50}),
			ret(week, map[hostingv1.Role]int{kd: 50, kb: week - 1})},
	}
	for name, rounds := range tests {
		t.Run(name, func(t *testing.T) {
			var steps []hostingv1.Step
			for _, r := range rounds {
				steps = Build(r.input(steps))
				checkShape(t, steps)
				if b := Breached(steps); len(b) != 0 {
					t.Errorf("at minute %d: breached %v, want none", r.now, b)
				}
			}
			if d, ok := NextDeadline(steps, at(week)); ok {
				t.Errorf("NextDeadline() = %v, want none while the applicant holds the request", d)
			}
			held := Holding(steps, hostingv1.StepApplicantRename)
			if held == nil || held.Role != "applicant" || held.Message != why || held.State != hostingv1.StepStateWaiting {
				t.Errorf("Holding() = %+v, want the applicant's open entry with the reason", held)
			}
			for _, s := range steps {
				if _, official := map[string]bool{hostingv1.StepKepalaDinas: true, hostingv1.StepKepalaBidang: true}[s.Name]; official &&
					s.State == hostingv1.StepStateWaiting && (s.Deadline != nil || s.Message != "clock stopped: the request is back with the applicant") {
					t.Errorf("step %s waits with deadline %v and message %q, want no deadline and the clock stopped", s.Name, s.Deadline, s.Message)
				}
			}
		})
	}
}

// TestBuildNeverRewritesRecordedTimes runs a request through returns, renames, a
// conflict and provisioning, and checks after every reconcile that an entry's recorded
// times stay as they were: a closed entry does not change at all, an open one keeps
// its start, and an official's decision keeps its time.
func TestBuildNeverRewritesRecordedTimes(t *testing.T) {
	const why = "dinkes.kuduskab.go.id is already served by Ingress lama/web"
	const conflict = "Namespace web-dinkes exists and was not created by this operator; it is left untouched"
	two := map[hostingv1.Role]int{kd: 5, kb: 9}
	all := map[hostingv1.Role]int{kd: 5, kb: 9, ks: 71}
	rounds := []round{
		{now: 1}, {now: 6, approved: map[hostingv1.Role]int{kd: 5}}, {now: 10, approved: two},
		{now: 13, approved: two, returned: true, returnMsg: why}, {now: 20, approved: two, returned: true, returnMsg: why},
		{now: 40, approved: two}, {now: 41, approved: two},
		{now: 45, approved: two, returned: true, returnMsg: why}, {now: 70, approved: two},
		{now: 72, approved: all}, {now: 80, approved: all, blocked: true, blockMsg: conflict},
		{now: 90, approved: all, blocked: true, blockMsg: conflict}, {now: 100, approved: all},
		{now: 101, approved: all, blocked: true, blockMsg: conflict}, {now: 110, approved: all, provisioned: m(110)},
		{now: 120, approved: all, provisioned: m(115), notified: m(121)},
	}
	var steps []hostingv1.Step
	for _, r := range rounds {
		next := Build(r.input(steps))
		checkShape(t, next)
		for _, old := range steps {
			cur := findStep(next, old.Name)
			switch {
			case cur == nil:
				t.Errorf("minute %d: entry %s is gone", r.now, old.Name)
			case IsInterval(old.Name) && old.DecidedAt != nil && !reflect.DeepEqual(*cur, old):
				t.Errorf("minute %d: closed entry %s changed:\n got %+v\nwant %+v", r.now, old.Name, *cur, old)
			case IsInterval(old.Name) && !cur.StartedAt.Equal(old.StartedAt):
				t.Errorf("minute %d: entry %s started %v, was %v", r.now, old.Name, cur.StartedAt, old.StartedAt)
			case old.State == hostingv1.StepStateDone && old.DecidedAt != nil && cur.State == old.State && !cur.DecidedAt.Equal(old.DecidedAt):
				t.Errorf("minute %d: step %s decided %v, was %v", r.now, old.Name, cur.DecidedAt, old.DecidedAt)
			}
		}
		steps = next
	}
	if got, want := intervalNames(steps), []string{hostingv1.StepApplicantRename, hostingv1.StepApplicantRename + "-2",
		hostingv1.StepProvisioningBlocked, hostingv1.StepProvisioningBlocked + "-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("interval entries %v, want %v", got, want)
	}
	checkStep(t, *findStep(steps, hostingv1.StepProvisioningBlocked+"-2"),
		want{state: hostingv1.StepStateDone, started: m(101), decided: m(110), took: "9m0s", message: conflict})
	checkStep(t, *findStep(steps, hostingv1.StepProvisioning),
		want{state: hostingv1.StepStateDone, started: m(71), decided: m(110), deadline: m(131), took: "39m0s",
			message: "blocked on the platform team 2 times, 29m0s in all; the last time: " + conflict})
}

func TestBuildKeepsPreviousIntervalEntries(t *testing.T) {
	const why = "dinkes.kuduskab.go.id is already served by Ingress lama/web"
	prev := Build(round{now: 1, returned: true, returnMsg: why}.input(nil))
	snapshot := make([]hostingv1.Step, len(prev))
	for i := range prev {
		prev[i].DeepCopyInto(&snapshot[i])
	}
	next := Build(round{now: 30}.input(prev))
	if !reflect.DeepEqual(prev, snapshot) {
		t.Errorf("Build changed its Previous input")
	}
	if e := findStep(next, hostingv1.StepApplicantRename); e == nil || e.DecidedAt == nil {
		t.Errorf("the applicant's entry is not closed: %+v", e)
	}
}

func TestNextDeadlineAfterTheApplicantsTime(t *testing.T) {
	const why = "dinkes.kuduskab.go.id is already served by Ingress lama/web"
	steps := Build(round{now: 1, returned: true, returnMsg: why}.input(nil))
	if d, ok := NextDeadline(steps, at(1)); ok {
		t.Errorf("while returned: NextDeadline() = %v, want none", d)
	}
	steps = Build(round{now: 30}.input(steps))
	// 10 minutes from creation, moved by the 29 minutes with the applicant.
	if d, ok := NextDeadline(steps, at(30)); !ok || !d.Equal(at(39)) {
		t.Errorf("after the rename: NextDeadline() = (%v, %v), want (%v, true)", d, ok, at(39))
	}
}

func TestIsInterval(t *testing.T) {
	for name, want := range map[string]bool{
		hostingv1.StepApplicantRename:            true,
		hostingv1.StepApplicantRename + "-2":     true,
		hostingv1.StepApplicantRename + "-12":    true,
		hostingv1.StepProvisioningBlocked:        true,
		hostingv1.StepProvisioningBlocked + "-3": true,
		hostingv1.StepApplicantRename + "-1":     false,
		hostingv1.StepApplicantRename + "-x":     false,
		hostingv1.StepApplicantRename + "2":      false,
		hostingv1.StepKepalaSeksi:                false,
		hostingv1.StepProvisioning:               false,
		hostingv1.StepSubmission:                 false,
	} {
		if got := IsInterval(name); got != want {
			t.Errorf("IsInterval(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHolding(t *testing.T) {
	open := hostingv1.Step{Name: hostingv1.StepApplicantRename + "-2", StartedAt: mtp(45)}
	closed := hostingv1.Step{Name: hostingv1.StepApplicantRename, StartedAt: mtp(13), DecidedAt: mtp(40)}
	blocked := hostingv1.Step{Name: hostingv1.StepProvisioningBlocked, StartedAt: mtp(80)}
	ks := hostingv1.Step{Name: hostingv1.StepKepalaSeksi, StartedAt: mtp(9)}
	tests := map[string]struct {
		steps []hostingv1.Step
		base  string
		want  string
	}{
		"none":                         {steps: []hostingv1.Step{ks}, base: hostingv1.StepApplicantRename},
		"only closed":                  {steps: []hostingv1.Step{ks, closed}, base: hostingv1.StepApplicantRename},
		"the latest open":              {steps: []hostingv1.Step{ks, closed, open}, base: hostingv1.StepApplicantRename, want: open.Name},
		"another holder's is not ours": {steps: []hostingv1.Step{ks, closed, blocked}, base: hostingv1.StepApplicantRename},
		"the platform team's":          {steps: []hostingv1.Step{ks, closed, open, blocked}, base: hostingv1.StepProvisioningBlocked, want: blocked.Name},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Holding(tc.steps, tc.base)
			switch {
			case tc.want == "" && got != nil:
				t.Errorf("Holding() = %s, want none", got.Name)
			case tc.want != "" && (got == nil || got.Name != tc.want):
				t.Errorf("Holding() = %v, want %s", got, tc.want)
			}
		})
	}
}
