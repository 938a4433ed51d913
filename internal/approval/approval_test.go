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
