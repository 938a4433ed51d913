// Package approval reads the officials' decisions from a request's annotations: who
// approved, who rejected and why, whose turn it is. The rules of the chain themselves
// exist once, in the admission policy (config/policies/approval-chain.yaml), tested
// against the API server in controllers/approval_test.go.
package approval

import (
	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// Rejection is an official's refusal of a request.
type Rejection struct {
	Role   hostingv1.Role
	User   string
	Reason string
}

// Chain is the state of the approvals of one request.
type Chain struct {
	// Approvals maps each role that approved to the approving user.
	Approvals map[hostingv1.Role]string
	// Rejection is set when an official rejected the request.
	Rejection *Rejection
}

// Parse reads the chain from annotations.
func Parse(annotations map[string]string) Chain {
	c := Chain{Approvals: map[hostingv1.Role]string{}}
	for _, r := range hostingv1.Roles {
		if u, ok := annotations[hostingv1.ApprovalAnnotation(r)]; ok {
			c.Approvals[r] = u
		}
		if u, ok := annotations[hostingv1.RejectionAnnotation(r)]; ok && c.Rejection == nil {
			c.Rejection = &Rejection{Role: r, User: u, Reason: annotations[hostingv1.RejectionReasonAnnotation]}
		}
	}
	return c
}

// NextRole is the role whose decision the request waits for; ok is false when all
// three approved.
func (c Chain) NextRole() (role hostingv1.Role, ok bool) {
	for _, r := range hostingv1.Roles {
		if _, done := c.Approvals[r]; !done {
			return r, true
		}
	}
	return "", false
}

// FullyApproved reports whether all three officials approved and nobody rejected.
func (c Chain) FullyApproved() bool {
	_, pending := c.NextRole()
	return !pending && c.Rejection == nil
}

// RoleTitle is the Indonesian title of a role, for people.
func RoleTitle(r hostingv1.Role) string {
	switch r {
	case hostingv1.RoleKepalaDinas:
		return "Kepala Dinas"
	case hostingv1.RoleKepalaBidangInformatika:
		return "Kepala Bidang Informatika"
	case hostingv1.RoleKepalaSeksiTIPersandian:
		return "Kepala Seksi TI dan Persandian"
	}
	return string(r)
}
