package approval

import (
	"reflect"
	"testing"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

const (
	kd = hostingv1.RoleKepalaDinas
	kb = hostingv1.RoleKepalaBidangInformatika
	ks = hostingv1.RoleKepalaSeksiTIPersandian
)

func TestParse(t *testing.T) {
	tests := map[string]struct {
		annotations map[string]string
		want        Chain
	}{
		"nil annotations": {
			annotations: nil,
			want:        Chain{Approvals: map[hostingv1.Role]string{}},
		},
		"unrelated annotations": {
			annotations: map[string]string{
				hostingv1.RequestedByAnnotation:               "siti",
				"approval.hosting.kuduskab.go.id/sekda":       "x",
				"example.com/approval.hosting.kuduskab.go.id": "y",
			},
			want: Chain{Approvals: map[hostingv1.Role]string{}},
		},
		"one approval": {
			annotations: map[string]string{hostingv1.ApprovalAnnotation(kd): "budi"},
			want:        Chain{Approvals: map[hostingv1.Role]string{kd: "budi"}},
		},
		"all three approvals": {
			annotations: map[string]string{
				"approval.hosting.kuduskab.go.id/kepala-dinas":               "budi",
				"approval.hosting.kuduskab.go.id/kepala-bidang-informatika":  "ani",
				"approval.hosting.kuduskab.go.id/kepala-seksi-ti-persandian": "joko",
			},
			want: Chain{Approvals: map[hostingv1.Role]string{kd: "budi", kb: "ani", ks: "joko"}},
		},
		"empty user name is still an approval": {
			annotations: map[string]string{hostingv1.ApprovalAnnotation(kb): ""},
			want:        Chain{Approvals: map[hostingv1.Role]string{kb: ""}},
		},
		"rejection with reason": {
			annotations: map[string]string{
				hostingv1.ApprovalAnnotation(kd):                             "budi",
				"rejection.hosting.kuduskab.go.id/kepala-bidang-informatika": "ani",
				hostingv1.RejectionReasonAnnotation:                          "surat belum ditandatangani",
			},
			want: Chain{
				Approvals: map[hostingv1.Role]string{kd: "budi"},
				Rejection: &Rejection{Role: kb, User: "ani", Reason: "surat belum ditandatangani"},
			},
		},
		"rejection without reason": {
			annotations: map[string]string{hostingv1.RejectionAnnotation(kd): "budi"},
			want: Chain{
				Approvals: map[hostingv1.Role]string{},
				Rejection: &Rejection{Role: kd, User: "budi"},
			},
		},
		"reason without rejection is ignored": {
			annotations: map[string]string{hostingv1.RejectionReasonAnnotation: "why"},
			want:        Chain{Approvals: map[hostingv1.Role]string{}},
		},
		"two rejections: the earlier role wins": {
			annotations: map[string]string{
				hostingv1.RejectionAnnotation(ks):   "joko",
				hostingv1.RejectionAnnotation(kb):   "ani",
				hostingv1.RejectionReasonAnnotation: "r",
			},
			want: Chain{
				Approvals: map[hostingv1.Role]string{},
				Rejection: &Rejection{Role: kb, User: "ani", Reason: "r"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Parse(tc.annotations)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse() = %+v (rejection %+v), want %+v (rejection %+v)", got, got.Rejection, tc.want, tc.want.Rejection)
			}
		})
	}
}

func TestNextRoleAndFullyApproved(t *testing.T) {
	tests := map[string]struct {
		chain     Chain
		wantRole  hostingv1.Role
		wantOK    bool
		wantFully bool
	}{
		"nothing approved": {
			chain:    Chain{Approvals: map[hostingv1.Role]string{}},
			wantRole: kd, wantOK: true,
		},
		"nil approvals map": {
			chain:    Chain{},
			wantRole: kd, wantOK: true,
		},
		"kepala dinas approved": {
			chain:    Chain{Approvals: map[hostingv1.Role]string{kd: "budi"}},
			wantRole: kb, wantOK: true,
		},
		"two approved": {
			chain:    Chain{Approvals: map[hostingv1.Role]string{kd: "budi", kb: "ani"}},
			wantRole: ks, wantOK: true,
		},
		"out of order: the first missing role is next": {
			chain:    Chain{Approvals: map[hostingv1.Role]string{kb: "ani", ks: "joko"}},
			wantRole: kd, wantOK: true,
		},
		"all three approved": {
			chain:    Chain{Approvals: map[hostingv1.Role]string{kd: "budi", kb: "ani", ks: "joko"}},
			wantRole: "", wantOK: false, wantFully: true,
		},
		"all three approved but a rejection": {
			chain: Chain{
				Approvals: map[hostingv1.Role]string{kd: "budi", kb: "ani", ks: "joko"},
				Rejection: &Rejection{Role: ks, User: "joko", Reason: "x"},
			},
			wantRole: "", wantOK: false, wantFully: false,
		},
		"rejected early": {
			chain: Chain{
				Approvals: map[hostingv1.Role]string{},
				Rejection: &Rejection{Role: kd, User: "budi", Reason: "x"},
			},
			wantRole: kd, wantOK: true, wantFully: false,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			role, ok := tc.chain.NextRole()
			if role != tc.wantRole || ok != tc.wantOK {
				t.Errorf("NextRole() = (%q, %v), want (%q, %v)", role, ok, tc.wantRole, tc.wantOK)
			}
			if got := tc.chain.FullyApproved(); got != tc.wantFully {
				t.Errorf("FullyApproved() = %v, want %v", got, tc.wantFully)
			}
		})
	}
}

// holds returns a HoldsRole func for the given roles.
func holds(roles ...hostingv1.Role) func(hostingv1.Role) bool {
	return func(r hostingv1.Role) bool {
		for _, x := range roles {
			if x == r {
				return true
			}
		}
		return false
	}
}

func approvals(kv ...string) map[hostingv1.Role]string {
	m := map[hostingv1.Role]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[hostingv1.Role(kv[i])] = kv[i+1]
	}
	return m
}

func TestCheck(t *testing.T) {
	const requester = "siti"
	tests := map[string]struct {
		chain   Chain
		actor   Actor
		d       Decision
		wantErr string // empty: allowed
	}{
		// --- the happy path, in order ---
		"kepala dinas approves first": {
			chain: Chain{Approvals: approvals()},
			actor: Actor{User: "budi", HoldsRole: holds(kd)},
			d:     Decision{Role: kd, User: "budi"},
		},
		"kepala bidang approves after kepala dinas": {
			chain: Chain{Approvals: approvals(string(kd), "budi")},
			actor: Actor{User: "ani", HoldsRole: holds(kb)},
			d:     Decision{Role: kb, User: "ani"},
		},
		"kepala seksi approves after kepala bidang": {
			chain: Chain{Approvals: approvals(string(kd), "budi", string(kb), "ani")},
			actor: Actor{User: "joko", HoldsRole: holds(ks)},
			d:     Decision{Role: ks, User: "joko"},
		},
		"one person holding all roles approves one step": {
			chain: Chain{Approvals: approvals()},
			actor: Actor{User: "budi", HoldsRole: holds(kd, kb, ks)},
			d:     Decision{Role: kd, User: "budi"},
		},
		// --- the order of the SOP ---
		"kepala bidang before kepala dinas": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "ani", HoldsRole: holds(kb)},
			d:       Decision{Role: kb, User: "ani"},
			wantErr: "kepala-bidang-informatika cannot decide before kepala-dinas has approved",
		},
		"kepala seksi before kepala bidang": {
			chain:   Chain{Approvals: approvals(string(kd), "budi")},
			actor:   Actor{User: "joko", HoldsRole: holds(ks)},
			d:       Decision{Role: ks, User: "joko"},
			wantErr: "kepala-seksi-ti-persandian cannot decide before kepala-bidang-informatika has approved",
		},
		"kepala seksi before anyone": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "joko", HoldsRole: holds(ks)},
			d:       Decision{Role: ks, User: "joko"},
			wantErr: "kepala-seksi-ti-persandian cannot decide before kepala-bidang-informatika has approved",
		},
		"rejection out of order": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "ani", HoldsRole: holds(kb)},
			d:       Decision{Role: kb, User: "ani", Reject: true, Reason: "no"},
			wantErr: "kepala-bidang-informatika cannot decide before kepala-dinas has approved",
		},
		// --- who may decide ---
		"applicant approves own request": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: requester, HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: requester},
			wantErr: "the applicant cannot approve their own request",
		},
		"applicant may reject own request with a reason": {
			chain: Chain{Approvals: approvals()},
			actor: Actor{User: requester, HoldsRole: holds(kd)},
			d:     Decision{Role: kd, User: requester, Reject: true, Reason: "withdrawn"},
		},
		"user without the role": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "eko", HoldsRole: holds(kb)},
			d:       Decision{Role: kd, User: "eko"},
			wantErr: "eko does not hold the role kepala-dinas (RBAC verb 'approve' on subdomainrequests, resource name kepala-dinas)",
		},
		"user without any role, nil HoldsRole": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "eko"},
			d:       Decision{Role: kd, User: "eko"},
			wantErr: "eko does not hold the role kepala-dinas (RBAC verb 'approve' on subdomainrequests, resource name kepala-dinas)",
		},
		"writing someone else's name": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "eko", HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: "budi"},
			wantErr: `the kepala-dinas annotation must carry your own user name "eko", not "budi"`,
		},
		"service account approves": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "system:serviceaccount:ns:sa", HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: "system:serviceaccount:ns:sa"},
			wantErr: "service accounts cannot approve: approvals and rejections are personal decisions of the officials",
		},
		"service account rejects": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "system:serviceaccount:ns:sa", HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: "system:serviceaccount:ns:sa", Reject: true, Reason: "x"},
			wantErr: "service accounts cannot reject: approvals and rejections are personal decisions of the officials",
		},
		"service account check comes before the role check": {
			chain:   Chain{Approvals: approvals()},
			actor:   Actor{User: "system:serviceaccount:ns:sa"},
			d:       Decision{Role: kd, User: "other"},
			wantErr: "service accounts cannot approve: approvals and rejections are personal decisions of the officials",
		},
		"one person fills two steps": {
			chain:   Chain{Approvals: approvals(string(kd), "budi")},
			actor:   Actor{User: "budi", HoldsRole: holds(kd, kb)},
			d:       Decision{Role: kb, User: "budi"},
			wantErr: "budi already approved this request as kepala-dinas; one person cannot fill two steps",
		},
		"one person fills the third step after the first": {
			chain:   Chain{Approvals: approvals(string(kd), "budi", string(kb), "ani")},
			actor:   Actor{User: "budi", HoldsRole: holds(kd, ks)},
			d:       Decision{Role: ks, User: "budi"},
			wantErr: "budi already approved this request as kepala-dinas; one person cannot fill two steps",
		},
		// --- decisions are final ---
		"already decided role": {
			chain:   Chain{Approvals: approvals(string(kd), "budi")},
			actor:   Actor{User: "budi", HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: "budi"},
			wantErr: "kepala-dinas already decided on this request; a decision cannot be changed",
		},
		"already approved role, now a rejection": {
			chain:   Chain{Approvals: approvals(string(kd), "budi")},
			actor:   Actor{User: "budi", HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: "budi", Reject: true, Reason: "changed my mind"},
			wantErr: "kepala-dinas already decided on this request; a decision cannot be changed",
		},
		"already rejected request": {
			chain: Chain{
				Approvals: approvals(string(kd), "budi"),
				Rejection: &Rejection{Role: kb, User: "ani", Reason: "no letter"},
			},
			actor:   Actor{User: "joko", HoldsRole: holds(ks)},
			d:       Decision{Role: ks, User: "joko"},
			wantErr: "the request was already rejected by ani (kepala-bidang-informatika); file a new request",
		},
		"already rejected request, second rejection": {
			chain: Chain{
				Approvals: approvals(),
				Rejection: &Rejection{Role: kd, User: "budi", Reason: "no letter"},
			},
			actor:   Actor{User: "budi", HoldsRole: holds(kd)},
			d:       Decision{Role: kd, User: "budi", Reject: true, Reason: "again"},
			wantErr: "the request was already rejected by budi (kepala-dinas); file a new request",
		},
		// --- rejections ---
		"rejection without reason": {
			chain:   Chain{Approvals: approvals(string(kd), "budi")},
			actor:   Actor{User: "ani", HoldsRole: holds(kb)},
			d:       Decision{Role: kb, User: "ani", Reject: true},
			wantErr: "a rejection needs a reason in rejection.hosting.kuduskab.go.id/reason",
		},
		"rejection with a blank reason": {
			chain:   Chain{Approvals: approvals(string(kd), "budi")},
			actor:   Actor{User: "ani", HoldsRole: holds(kb)},
			d:       Decision{Role: kb, User: "ani", Reject: true, Reason: "  \t\n"},
			wantErr: "a rejection needs a reason in rejection.hosting.kuduskab.go.id/reason",
		},
		"rejection with reason": {
			chain: Chain{Approvals: approvals(string(kd), "budi")},
			actor: Actor{User: "ani", HoldsRole: holds(kb)},
			d:     Decision{Role: kb, User: "ani", Reject: true, Reason: "the letter is not signed"},
		},
		"first official rejects with reason": {
			chain: Chain{Approvals: approvals()},
			actor: Actor{User: "budi", HoldsRole: holds(kd)},
			d:     Decision{Role: kd, User: "budi", Reject: true, Reason: "not a government unit"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := Check(tc.chain, requester, tc.actor, tc.d)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Check() = %q, want nil", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("Check() = nil, want %q", tc.wantErr)
			case tc.wantErr != "" && err.Error() != tc.wantErr:
				t.Errorf("Check() = %q,\nwant          %q", err, tc.wantErr)
			}
		})
	}
}

func TestRoleTitle(t *testing.T) {
	tests := map[string]struct {
		role hostingv1.Role
		want string
	}{
		"kepala dinas":  {role: kd, want: "Kepala Dinas"},
		"kepala bidang": {role: kb, want: "Kepala Bidang Informatika"},
		"kepala seksi":  {role: ks, want: "Kepala Seksi TI dan Persandian"},
		"unknown role":  {role: "sekda", want: "sekda"},
		"empty role":    {role: "", want: ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := RoleTitle(tc.role); got != tc.want {
				t.Errorf("RoleTitle(%q) = %q, want %q", tc.role, got, tc.want)
			}
		})
	}
}
