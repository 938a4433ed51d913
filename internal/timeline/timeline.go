// Package timeline builds the record of a request's steps (who, when, how long, the
// time standard, breached or not) from what the operator observed. Times that were
// recorded once are carried over from the previous status and never rewritten.
//
// Besides the six steps of the SOP, the record has one entry for each interval in which
// the request was held by someone other than the official or the operator whose step it
// is. The time is charged to whoever holds the request, as status.waitingFor says:
//
//   - ApplicantRename (ApplicantRename-2, -3, ... for later returns), role "applicant":
//     the request was back with the applicant, from the name check that found the name
//     taken to the rename. The entry's message is why (the name check's message, kept up
//     to date while the entry is open). The officials' clocks are stopped meanwhile: a
//     waiting official's step has no deadline, and afterwards its deadline is moved by
//     the time the request was with the applicant; the Kepala Seksi's check starts again
//     at the rename. No official's step is breached by the applicant's time.
//   - ProvisioningBlocked (ProvisioningBlocked-2, -3, ...), role "platform team":
//     provisioning waited for the platform team, because an object of the site's name
//     exists that the operator did not make (the message names it). The Provisioning
//     step's standard keeps running, since the SOP's technical staff are the platform
//     team, and its message says how long of it the platform team had to act.
//
// An entry is Waiting while the holder has the request and Done, with decidedAt and
// took, once it came back; it has no time standard and is never breached.
package timeline

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
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
	// Returned is set while the request is back with the applicant (status.waitingFor
	// "applicant"): the name is taken and the applicant must rename. ReturnMessage is
	// why.
	Returned      bool
	ReturnMessage string
	// Blocked is set while provisioning waits for the platform team (status.waitingFor
	// "platform team"); BlockedMessage names what blocks it.
	Blocked        bool
	BlockedMessage string
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

// Messages of the officials' steps whose clock the applicant's time stopped.
const (
	msgClockStopped = "clock stopped: the request is back with the applicant"
	msgDeadlineMove = "deadline moved by %s, the time the request was back with the applicant"
)

// Build returns the steps in SOP order, each holder's interval entries after the step
// they interrupted: ApplicantRename after KepalaSeksi, ProvisioningBlocked after
// Provisioning.
func Build(in Input) []hostingv1.Step {
	prev := map[string]hostingv1.Step{}
	for _, s := range in.Previous {
		prev[s.Name] = s
	}
	// The Kepala Seksi's check sent the request back; a rejection or a provisioned site
	// ends that.
	returned := in.Returned && in.Chain.Rejection == nil && in.ProvisionedAt == nil
	var steps []hostingv1.Step

	// The API server registers the request when it stores it: the submission is
	// complete at creation, and the Kepala Dinas's clock starts then.
	sub := hostingv1.Step{Name: hostingv1.StepSubmission, Role: "applicant", State: hostingv1.StepStateDone, By: in.Requester,
		StartedAt: mt(in.Created), DecidedAt: mt(in.Created)}
	steps = append(steps, sub)
	lastDecided := sub.DecidedAt
	stopped := false // a rejection ends the chain
	// When the applicant's time ended before the operator looked: the Kepala Seksi's
	// check started again (renamed and approved in between), or a rejection.
	var restarted, rejectedAt *metav1.Time

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
			if rejected {
				rejectedAt = s.DecidedAt
			}
			if p.State == hostingv1.StepStateReturned && approved && !in.Returned {
				// Renamed and decided before the operator saw the rename: the restart of
				// the check is not known more precisely than the decision itself.
				s.StartedAt = s.DecidedAt
				restarted = s.StartedAt
			}
		default:
			s.State = hostingv1.StepStateWaiting
			s.StartedAt = keepT(p.StartedAt, lastDecided)
			if p.State == hostingv1.StepStateReturned && !in.Returned {
				s.StartedAt = mt(in.Now) // renamed: the check starts again
				restarted = s.StartedAt
			}
			stopped = true
		}
		if role == hostingv1.RoleKepalaSeksiTIPersandian && returned {
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

	renames := follow(in.Previous, hostingv1.StepApplicantRename, hostingv1.WaitingForApplicant,
		returned, in.ReturnMessage, in.Now, restarted, rejectedAt)
	steps = append(steps, renames...)

	prov := hostingv1.Step{Name: hostingv1.StepProvisioning, Role: "operator", State: hostingv1.StepStateNotYet}
	if !stopped && lastDecided != nil {
		prov.StartedAt = keepT(prev[hostingv1.StepProvisioning].StartedAt, lastDecided)
		prov.State = hostingv1.StepStateWaiting
		if in.ProvisionedAt != nil {
			prov.State, prov.DecidedAt = hostingv1.StepStateDone, keep(prev[hostingv1.StepProvisioning].DecidedAt, *in.ProvisionedAt)
		}
	}
	blocks := follow(in.Previous, hostingv1.StepProvisioningBlocked, hostingv1.WaitingForPlatformTeam,
		in.Blocked, in.BlockedMessage, in.Now, prov.DecidedAt)
	prov.Message = blockedMessage(prov, blocks, in.Now)
	steps = append(steps, prov)
	steps = append(steps, blocks...)

	notify := hostingv1.Step{Name: hostingv1.StepNotification, Role: "operator", State: hostingv1.StepStateNotYet}
	if prov.State == hostingv1.StepStateDone {
		notify.StartedAt, notify.State = prov.DecidedAt, hostingv1.StepStateWaiting
		if in.NotifiedAt != nil {
			notify.State, notify.DecidedAt = hostingv1.StepStateDone, mt(*in.NotifiedAt)
		}
	}
	steps = append(steps, notify)

	// The officials' clocks are stopped while the applicant holds the request.
	withApplicant := spans(renames, in.Now)
	for i := range steps {
		s := &steps[i]
		if IsInterval(s.Name) {
			measure(s, 0, in.Now, nil) // no time standard, never breached
			continue
		}
		var held []span
		official := s.Role != "" && s.Name == roleSteps[hostingv1.Role(s.Role)]
		if official {
			held = withApplicant
		}
		moved, clockStopped := measure(s, in.Standard(s.Name), in.Now, held)
		// Times are kept to the second; a breach seen once stays on the record even if
		// the decision came within the same second as the deadline.
		if p, ok := prev[s.Name]; ok && p.Breached && p.StartedAt.Equal(s.StartedAt) && s.State != hostingv1.StepStateReturned {
			s.Breached = true
		}
		if official && (s.State == hostingv1.StepStateWaiting || s.State == hostingv1.StepStateDone) {
			switch {
			case clockStopped:
				s.Message = msgClockStopped
			case moved > 0:
				s.Message = fmt.Sprintf(msgDeadlineMove, moved)
			}
		}
	}
	return steps
}

// span is an interval in which someone else held the request; open while it still does.
type span struct {
	from, to time.Time
	open     bool
}

// spans are the intervals of a holder's entries, an open one up to now.
func spans(entries []hostingv1.Step, now time.Time) []span {
	var out []span
	for _, e := range entries {
		if e.StartedAt == nil {
			continue
		}
		sp := span{from: e.StartedAt.Time, to: now, open: e.DecidedAt == nil}
		if !sp.open {
			sp.to = e.DecidedAt.Time
		}
		out = append(out, sp)
	}
	return out
}

// measure sets how long a step took and, against its time standard, its deadline and
// whether it was breached. The step's clock does not run during held (the intervals in
// which someone else held the request): the deadline moves by the part of them before
// it, which measure returns. While the clock is stopped (clockStopped) a step not yet
// breached has no deadline.
func measure(s *hostingv1.Step, standard time.Duration, now time.Time, held []span) (moved time.Duration, clockStopped bool) {
	if s.StartedAt != nil && s.DecidedAt != nil {
		took := s.DecidedAt.Sub(s.StartedAt.Time).Round(time.Second)
		if took < 0 {
			took = 0
		}
		s.Took = took.String()
	}
	if standard <= 0 {
		return 0, false
	}
	s.TimeStandard = &metav1.Duration{Duration: standard}
	if s.StartedAt == nil || s.State == hostingv1.StepStateReturned {
		return 0, false
	}
	end := now
	if s.DecidedAt != nil {
		end = s.DecidedAt.Time
	}
	deadline := s.StartedAt.Add(standard)
	for _, h := range held {
		if h.open && s.DecidedAt == nil {
			clockStopped = true
		}
		from, to := h.from, h.to
		if from.Before(s.StartedAt.Time) {
			from = s.StartedAt.Time
		}
		if to.After(end) {
			to = end
		}
		// An interval after the standard ran out does not undo the breach.
		if !to.After(from) || from.After(deadline) {
			continue
		}
		deadline = deadline.Add(to.Sub(from))
		moved += to.Sub(from)
	}
	s.Breached = end.After(deadline)
	if clockStopped && !s.Breached {
		return moved, true
	}
	s.Deadline = mt(deadline)
	return moved, clockStopped
}

// follow carries one holder's interval entries over from the previous status, in
// order, and opens or closes the latest: held says whether the holder has the request
// now, why the reason (kept up to date while the entry is open). An entry that ends is
// closed at now, or at the earliest of ends that falls after its start (when the
// operator knows the request came back before it looked).
func follow(previous []hostingv1.Step, base, role string, held bool, why string, now time.Time, ends ...*metav1.Time) []hostingv1.Step {
	var out []hostingv1.Step
	for _, p := range previous {
		if intervalBase(p.Name) == base {
			out = append(out, p)
		}
	}
	var open *hostingv1.Step
	if n := len(out); n > 0 && out[n-1].DecidedAt == nil {
		open = &out[n-1]
	}
	switch {
	case held && open != nil:
		open.Message = why
	case held:
		out = append(out, hostingv1.Step{Name: intervalName(base, len(out)+1), Role: role, State: hostingv1.StepStateWaiting,
			StartedAt: mt(now), Message: why})
	case open != nil:
		end := mt(now)
		for _, e := range ends {
			if e != nil && e.Before(end) && !e.Before(open.StartedAt) {
				end = e
			}
		}
		open.State, open.DecidedAt = hostingv1.StepStateDone, end
	}
	return out
}

// blockedMessage is what the Provisioning step says of the time the platform team had
// to act within it, from the ProvisioningBlocked entries; empty when there was none.
func blockedMessage(prov hostingv1.Step, blocks []hostingv1.Step, now time.Time) string {
	if prov.StartedAt == nil {
		return ""
	}
	var within []span
	var last string
	for i, sp := range spans(blocks, now) {
		if sp.from.Before(prov.StartedAt.Time) || (prov.DecidedAt != nil && sp.from.After(prov.DecidedAt.Time)) {
			continue
		}
		within, last = append(within, sp), blocks[i].Message
	}
	if len(within) == 0 {
		return ""
	}
	var closed time.Duration
	n := 0
	for _, sp := range within {
		if !sp.open {
			closed += sp.to.Sub(sp.from)
			n++
		}
	}
	if cur := within[len(within)-1]; cur.open {
		msg := fmt.Sprintf("blocked on the platform team since %s: %s", cur.from.UTC().Format(time.RFC3339), last)
		if n > 0 {
			msg += fmt.Sprintf(" (blocked before %s, %s in all)", times(n), closed)
		}
		return msg
	}
	if n == 1 {
		return fmt.Sprintf("blocked on the platform team for %s: %s", closed, last)
	}
	return fmt.Sprintf("blocked on the platform team %s, %s in all; the last time: %s", times(n), closed, last)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return strconv.Itoa(n) + " times"
}

// intervalName is the name of a holder's n-th entry (from 1): the base name, then
// base-2, base-3, ...
func intervalName(base string, n int) string {
	if n <= 1 {
		return base
	}
	return base + "-" + strconv.Itoa(n)
}

// intervalBase is the base name of an interval entry's name, or "" for a step of the
// SOP.
func intervalBase(name string) string {
	for _, base := range []string{hostingv1.StepApplicantRename, hostingv1.StepProvisioningBlocked} {
		if name == base {
			return base
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(name, base+"-")); err == nil && strings.HasPrefix(name, base+"-") && n >= 2 {
			return base
		}
	}
	return ""
}

// IsInterval reports whether a timeline entry is an interval in which the applicant or
// the platform team held the request (ApplicantRename, ProvisioningBlocked and their
// numbered successors) rather than a step of the SOP.
func IsInterval(name string) bool { return intervalBase(name) != "" }

// Holding returns the open entry of a holder (base is StepApplicantRename or
// StepProvisioningBlocked): the interval in which that holder has the request now, or
// nil.
func Holding(steps []hostingv1.Step, base string) *hostingv1.Step {
	for i := len(steps) - 1; i >= 0; i-- {
		if intervalBase(steps[i].Name) == base {
			if steps[i].DecidedAt == nil {
				return &steps[i]
			}
			return nil
		}
	}
	return nil
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
