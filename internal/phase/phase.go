// Package phase decides where a request stands, from its approvals, the name check and
// what was provisioned. It is a pure function so that a table pins every case.
package phase

import (
	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

// Facts are the inputs of the decision.
type Facts struct {
	Chain         approval.Chain
	NameAvailable bool
	// Claimed: the name's claim (the Namespace) belongs to this request.
	Claimed bool
	// ProvisioningEnabled is false when the operator only runs the approval chain.
	ProvisioningEnabled bool
	Ready               bool
}

// Decide returns the phase and who the request waits for. (A request being deleted is
// not decided here: deletion writes phase Deleting itself.)
//
// Who it waits for is also whose clock runs, and this is the one place that decides it:
// the controller passes it on to the timeline (WaitingForApplicant: the request is back
// with the applicant, the officials' clocks are stopped and the applicant's interval is
// recorded; WaitingForPlatformTeam, which the controller sets over WaitingForOperator
// when provisioning is blocked: the platform team's interval is recorded), and the
// Approved and SLABreached conditions read it from status.waitingFor.
func Decide(f Facts) (hostingv1.Phase, string) {
	switch {
	case f.Chain.Rejection != nil:
		return hostingv1.PhaseRejected, ""
	case !f.NameAvailable && !f.Claimed:
		return hostingv1.PhaseReturnedToApplicant, hostingv1.WaitingForApplicant
	}
	next, pending := f.Chain.NextRole()
	if pending {
		switch next {
		case hostingv1.RoleKepalaDinas:
			return hostingv1.PhasePendingKepalaDinas, string(next)
		case hostingv1.RoleKepalaBidangInformatika:
			return hostingv1.PhasePendingKepalaBidang, string(next)
		default:
			return hostingv1.PhasePendingKepalaSeksi, string(next)
		}
	}
	switch {
	case !f.ProvisioningEnabled:
		return hostingv1.PhaseApproved, hostingv1.WaitingForOperator
	case f.Ready:
		return hostingv1.PhaseReady, ""
	default:
		return hostingv1.PhaseProvisioning, hostingv1.WaitingForOperator
	}
}
