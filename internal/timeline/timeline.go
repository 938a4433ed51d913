// Package timeline builds the record of a request's steps (who, when, how long, the
// time standard, breached or not) from what the operator observed. Times that were
// recorded once are carried over from the previous status and never rewritten.
package timeline

import (
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

// Input is everything the timeline is built from.
type Input struct {
	Created   time.Time
	Requester string
	Previous  []hostingv1.Step
	Chain     approval.Chain
	// DecisionTime is when a role's decision was recorded, for decisions not yet in
	// Previous.
	DecisionTime func(hostingv1.Role) time.Time
	// Returned is set while the name is taken and the applicant must rename.
	Returned      bool
	ReturnMessage string
	// ProvisionedAt is when the site became Ready.
	ProvisionedAt *time.Time
	NotifiedAt    *time.Time
	Now           time.Time
	Standard      func(step string) time.Duration
}

var roleSteps = map[hostingv1.Role]string{
	hostingv1.RoleKepalaDinas:             hostingv1.StepKepalaDinas,
	hostingv1.RoleKepalaBidangInformatika: hostingv1.StepKepalaBidang,
	hostingv1.RoleKepalaSeksiTIPersandian: hostingv1.StepKepalaSeksi,
}

// Build returns the steps in SOP order.
func Build(in Input) []hostingv1.Step {
	prev := map[string]hostingv1.Step{}
	for _, s := range in.Previous {
		prev[s.Name] = s
	}
	var steps []hostingv1.Step

	// The API server registers the request when it stores it: the submission is
	// complete at creation, and the Kepala Dinas's clock starts then.
	sub := hostingv1.Step{Name: hostingv1.StepSubmission, Role: "applicant", State: hostingv1.StepStateDone, By: in.Requester,
		StartedAt: mt(in.Created), DecidedAt: mt(in.Created)}
	steps = append(steps, sub)
	lastDecided := sub.DecidedAt
	stopped := false // a rejection ends the chain

	for _, role := range hostingv1.Roles {
		name := roleSteps[role]
		p := prev[name]
		s := hostingv1.Step{Name: name, Role: string(role), State: hostingv1.StepStateNotYet}
		user, approved := in.Chain.Approvals[role]
		rejected := in.Chain.Rejection != nil && in.Chain.Rejection.Role == role
		switch {
		case stopped || lastDecided == nil:
		case approved || rejected:
			s.State, s.By = hostingv1.StepStateDone, user
			if rejected {
				s.State, s.By, s.Message = hostingv1.StepStateRejected, in.Chain.Rejection.User, in.Chain.Rejection.Reason
				stopped = true
			}
			s.StartedAt = keepT(p.StartedAt, lastDecided)
			if p.DecidedAt != nil && p.By == s.By && p.State == s.State {
				s.DecidedAt = p.DecidedAt
			} else {
				s.DecidedAt = mt(in.DecisionTime(role))
			}
			if p.State == hostingv1.StepStateReturned && approved && !in.Returned {
				// Renamed and decided before the operator saw the rename: the restart of
				// the check is not known more precisely than the decision itself.
				s.StartedAt = s.DecidedAt
			}
		default:
			s.State = hostingv1.StepStateWaiting
			s.StartedAt = keepT(p.StartedAt, lastDecided)
			if p.State == hostingv1.StepStateReturned && !in.Returned {
				s.StartedAt = mt(in.Now) // renamed: the check starts again
			}
			stopped = true
		}
		if role == hostingv1.RoleKepalaSeksiTIPersandian && in.Returned && in.Chain.Rejection == nil && in.ProvisionedAt == nil {
			s.State, s.Message, s.DecidedAt = hostingv1.StepStateReturned, in.ReturnMessage, nil
			if s.StartedAt == nil {
				s.StartedAt = keepT(p.StartedAt, mt(in.Now))
			}
			stopped = true
		}
		steps = append(steps, s)
		if s.State == hostingv1.StepStateDone {
			lastDecided = s.DecidedAt
		} else {
			lastDecided = nil
		}
	}

	prov := hostingv1.Step{Name: hostingv1.StepProvisioning, Role: "operator", State: hostingv1.StepStateNotYet}
	if !stopped && lastDecided != nil {
		prov.StartedAt = keepT(prev[hostingv1.StepProvisioning].StartedAt, lastDecided)
		prov.State = hostingv1.StepStateWaiting
		if in.ProvisionedAt != nil {
			prov.State, prov.DecidedAt = hostingv1.StepStateDone, keep(prev[hostingv1.StepProvisioning].DecidedAt, *in.ProvisionedAt)
		}
	}
	steps = append(steps, prov)

	notify := hostingv1.Step{Name: hostingv1.StepNotification, Role: "operator", State: hostingv1.StepStateNotYet}
	if prov.State == hostingv1.StepStateDone {
		notify.StartedAt, notify.State = prov.DecidedAt, hostingv1.StepStateWaiting
		if in.NotifiedAt != nil {
			notify.State, notify.DecidedAt = hostingv1.StepStateDone, mt(*in.NotifiedAt)
		}
	}
	steps = append(steps, notify)

	for i := range steps {
		measure(&steps[i], in.Standard(steps[i].Name), in.Now)
		// Times are kept to the second; a breach seen once stays on the record even if
		// the decision came within the same second as the deadline.
		if p, ok := prev[steps[i].Name]; ok && p.Breached && p.StartedAt.Equal(steps[i].StartedAt) && steps[i].State != hostingv1.StepStateReturned {
			steps[i].Breached = true
		}
	}
	return steps
}

func measure(s *hostingv1.Step, standard time.Duration, now time.Time) {
	if s.StartedAt != nil && s.DecidedAt != nil {
		took := s.DecidedAt.Sub(s.StartedAt.Time).Round(time.Second)
		if took < 0 {
			took = 0
		}
		s.Took = took.String()
	}
	if standard <= 0 {
		return
	}
	s.TimeStandard = &metav1.Duration{Duration: standard}
	if s.StartedAt == nil || s.State == hostingv1.StepStateReturned {
		return
	}
	deadline := s.StartedAt.Add(standard)
	s.Deadline = mt(deadline)
	end := now
	if s.DecidedAt != nil {
		end = s.DecidedAt.Time
	}
	s.Breached = end.After(deadline)
}

// Breached lists the names of the steps that overran their standard.
func Breached(steps []hostingv1.Step) []string {
	var out []string
	for _, s := range steps {
		if s.Breached {
			out = append(out, s.Name)
		}
	}
	return out
}

// NextDeadline is the earliest deadline of a step still waiting that has not passed:
// when to look again so that a breach is flagged on time.
func NextDeadline(steps []hostingv1.Step, now time.Time) (time.Time, bool) {
	var ds []time.Time
	for _, s := range steps {
		if s.State == hostingv1.StepStateWaiting && s.Deadline != nil && !s.Breached && s.Deadline.After(now) {
			ds = append(ds, s.Deadline.Time)
		}
	}
	if len(ds) == 0 {
		return time.Time{}, false
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
	return ds[0], true
}

func mt(t time.Time) *metav1.Time {
	v := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &v
}

func keep(old *metav1.Time, now time.Time) *metav1.Time {
	if old != nil {
		return old
	}
	return mt(now)
}

func keepT(old, fallback *metav1.Time) *metav1.Time {
	if old != nil {
		return old
	}
	return fallback
}
