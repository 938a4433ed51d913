package phase

import (
	"testing"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

func chain(n int) approval.Chain {
	c := approval.Chain{Approvals: map[hostingv1.Role]string{}}
	users := []string{"budi", "ani", "joko"}
	for i := 0; i < n; i++ {
		c.Approvals[hostingv1.Roles[i]] = users[i]
	}
	return c
}

func rejected(n int, by hostingv1.Role) approval.Chain {
	c := chain(n)
	c.Rejection = &approval.Rejection{Role: by, User: "x", Reason: "no"}
	return c
}

func TestDecide(t *testing.T) {
	tests := map[string]struct {
		facts          Facts
		wantPhase      hostingv1.Phase
		wantWaitingFor string
	}{
		"rejected by kepala dinas": {
			facts:     Facts{Chain: rejected(0, hostingv1.RoleKepalaDinas), NameAvailable: true},
			wantPhase: hostingv1.PhaseRejected, wantWaitingFor: "",
		},
		"rejected by kepala seksi": {
			facts:     Facts{Chain: rejected(2, hostingv1.RoleKepalaSeksiTIPersandian), NameAvailable: true},
			wantPhase: hostingv1.PhaseRejected, wantWaitingFor: "",
		},
		"rejected beats name unavailable": {
			facts:     Facts{Chain: rejected(1, hostingv1.RoleKepalaBidangInformatika), NameAvailable: false},
			wantPhase: hostingv1.PhaseRejected, wantWaitingFor: "",
		},
		"name unavailable and not claimed: returned": {
			facts:     Facts{Chain: chain(2), NameAvailable: false},
			wantPhase: hostingv1.PhaseReturnedToApplicant, wantWaitingFor: "applicant",
		},
		"name unavailable before any approval: returned": {
			facts:     Facts{Chain: chain(0), NameAvailable: false},
			wantPhase: hostingv1.PhaseReturnedToApplicant, wantWaitingFor: "applicant",
		},
		"name unavailable, fully approved, not claimed: returned": {
			facts:     Facts{Chain: chain(3), NameAvailable: false, ProvisioningEnabled: true},
			wantPhase: hostingv1.PhaseReturnedToApplicant, wantWaitingFor: "applicant",
		},
		"claimed but unavailable still proceeds to provisioning": {
			facts:     Facts{Chain: chain(3), NameAvailable: false, Claimed: true, ProvisioningEnabled: true},
			wantPhase: hostingv1.PhaseProvisioning, wantWaitingFor: "operator",
		},
		"claimed but unavailable, ready": {
			facts:     Facts{Chain: chain(3), NameAvailable: false, Claimed: true, ProvisioningEnabled: true, Ready: true},
			wantPhase: hostingv1.PhaseReady, wantWaitingFor: "",
		},
		"pending kepala dinas": {
			facts:     Facts{Chain: chain(0), NameAvailable: true},
			wantPhase: hostingv1.PhasePendingKepalaDinas, wantWaitingFor: "kepala-dinas",
		},
		"pending kepala dinas with nil approvals": {
			facts:     Facts{NameAvailable: true},
			wantPhase: hostingv1.PhasePendingKepalaDinas, wantWaitingFor: "kepala-dinas",
		},
		"pending kepala bidang": {
			facts:     Facts{Chain: chain(1), NameAvailable: true},
			wantPhase: hostingv1.PhasePendingKepalaBidang, wantWaitingFor: "kepala-bidang-informatika",
		},
		"pending kepala seksi": {
			facts:     Facts{Chain: chain(2), NameAvailable: true},
			wantPhase: hostingv1.PhasePendingKepalaSeksi, wantWaitingFor: "kepala-seksi-ti-persandian",
		},
		"pending kepala seksi, claimed but unavailable": {
			facts:     Facts{Chain: chain(2), NameAvailable: false, Claimed: true},
			wantPhase: hostingv1.PhasePendingKepalaSeksi, wantWaitingFor: "kepala-seksi-ti-persandian",
		},
		"approved, provisioning disabled": {
			facts:     Facts{Chain: chain(3), NameAvailable: true, ProvisioningEnabled: false},
			wantPhase: hostingv1.PhaseApproved, wantWaitingFor: "operator",
		},
		"approved, provisioning disabled, ready ignored": {
			facts:     Facts{Chain: chain(3), NameAvailable: true, ProvisioningEnabled: false, Ready: true},
			wantPhase: hostingv1.PhaseApproved, wantWaitingFor: "operator",
		},
		"provisioning": {
			facts:     Facts{Chain: chain(3), NameAvailable: true, ProvisioningEnabled: true},
			wantPhase: hostingv1.PhaseProvisioning, wantWaitingFor: "operator",
		},
		"ready": {
			facts:     Facts{Chain: chain(3), NameAvailable: true, Claimed: true, ProvisioningEnabled: true, Ready: true},
			wantPhase: hostingv1.PhaseReady, wantWaitingFor: "",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ph, waiting := Decide(tc.facts)
			if ph != tc.wantPhase || waiting != tc.wantWaitingFor {
				t.Errorf("Decide() = (%q, %q), want (%q, %q)", ph, waiting, tc.wantPhase, tc.wantWaitingFor)
			}
		})
	}
}

// TestDecideWaitsForTheApplicantExactlyWhenReturned: the timeline and the conditions
// take "the request is back with the applicant" from waitingFor, so it must be said
// exactly when the phase is ReturnedToApplicant, whatever the other facts are.
func TestDecideWaitsForTheApplicantExactlyWhenReturned(t *testing.T) {
	var chains []approval.Chain
	for n := 0; n <= 3; n++ {
		chains = append(chains, chain(n))
	}
	for n, role := range hostingv1.Roles {
		chains = append(chains, rejected(n, role))
	}
	for _, c := range chains {
		for mask := 0; mask < 16; mask++ {
			f := Facts{Chain: c, NameAvailable: mask&1 != 0, Claimed: mask&2 != 0, ProvisioningEnabled: mask&4 != 0, Ready: mask&8 != 0}
			ph, waiting := Decide(f)
			if (ph == hostingv1.PhaseReturnedToApplicant) != (waiting == hostingv1.WaitingForApplicant) {
				t.Errorf("Decide(%+v) = (%q, %q): returned and waiting for the applicant disagree", f, ph, waiting)
			}
			if want := c.Rejection == nil && !f.NameAvailable && !f.Claimed; (ph == hostingv1.PhaseReturnedToApplicant) != want {
				t.Errorf("Decide(%+v) = %q, returned should be %v", f, ph, want)
			}
		}
	}
}
