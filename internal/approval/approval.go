// Package approval reads the officials' decisions from a request's annotations and
// states the rules of the approval chain. The API server enforces the same rules at
// admission (config/policies); this package lets the operator and the kubectl plugin
// reason about them, and lets table tests pin them down.
package approval

import (
	"fmt"
	"strings"

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

// Decision is one official's new decision on a request.
type Decision struct {
	Role   hostingv1.Role
	User   string // the user name written in the annotation
	Reject bool
	Reason string
}

// Actor is who sends the change, as the API server knows them.
type Actor struct {
	User string
	// HoldsRole reports whether the user holds a role (RBAC verb "approve" on
	// subdomainrequests with the role as resource name).
	HoldsRole func(hostingv1.Role) bool
}

// Check says whether actor may record decision on a request whose chain is c and
// which requester created. It returns nil or the refusal; the rules are those of the
// admission policy (config/policies/approval-chain.yaml), the wording is shorter.
func Check(c Chain, requester string, actor Actor, d Decision) error {
	verb := "approve"
	if d.Reject {
		verb = "reject"
	}
	switch {
	case strings.HasPrefix(actor.User, "system:serviceaccount:"):
		return fmt.Errorf("service accounts cannot %s: approvals and rejections are personal decisions of the officials", verb)
	case actor.HoldsRole == nil || !actor.HoldsRole(d.Role):
		return fmt.Errorf("%s does not hold the role %s (RBAC verb 'approve' on subdomainrequests, resource name %s)", actor.User, d.Role, d.Role)
	case d.User != actor.User:
		return fmt.Errorf("the %s annotation must carry your own user name %q, not %q", d.Role, actor.User, d.User)
	case c.Rejection != nil:
		return fmt.Errorf("the request was already rejected by %s (%s); file a new request", c.Rejection.User, c.Rejection.Role)
	}
	if _, done := c.Approvals[d.Role]; done {
		return fmt.Errorf("%s already decided on this request; a decision cannot be changed", d.Role)
	}
	if prev, ok := previous(d.Role); ok {
		if _, done := c.Approvals[prev]; !done {
			return fmt.Errorf("%s cannot decide before %s has approved", d.Role, prev)
		}
	}
	if !d.Reject {
		if d.User == requester {
			return fmt.Errorf("the applicant cannot approve their own request")
		}
		for r, u := range c.Approvals {
			if u == d.User && r != d.Role {
				return fmt.Errorf("%s already approved this request as %s; one person cannot fill two steps", d.User, r)
			}
		}
	} else if strings.TrimSpace(d.Reason) == "" {
		return fmt.Errorf("a rejection needs a reason in %s", hostingv1.RejectionReasonAnnotation)
	}
	return nil
}

func previous(r hostingv1.Role) (hostingv1.Role, bool) {
	for i, x := range hostingv1.Roles {
		if x == r && i > 0 {
			return hostingv1.Roles[i-1], true
		}
	}
	return "", false
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
