// Package refusal reads the API server's refusals of a request or a decision for the
// people who see them: the admission policy's own sentence without the technical
// preamble, and which of the approval chain's refusals it is (the sentences of
// api/v1alpha1/refusals.go). The kubectl plugin and the portal both explain refusals
// from what it reads, each in its own words.
package refusal

import (
	"errors"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// policyPrefix is how the API server introduces an admission policy's message.
var policyPrefix = regexp.MustCompile(`(?:ValidatingAdmissionPolicy|MutatingAdmissionPolicy) '[^']*' with binding '[^']*' denied request: `)

// Message is the API server's refusal without the technical preamble: the status
// message, and of an admission policy's refusal only the policy's own sentence.
func Message(err error) string {
	msg := err.Error()
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Message != "" {
		msg = status.Status().Message
	}
	return Strip(msg)
}

// Strip removes an admission policy's preamble from a message (or from each of the
// messages of a refusal's causes).
func Strip(msg string) string {
	if loc := policyPrefix.FindStringIndex(msg); loc != nil {
		msg = msg[loc[1]:]
	}
	return strings.TrimSpace(msg)
}

// ByPolicy reports whether an admission policy refused: a Forbidden without it is RBAC's.
func ByPolicy(err error) bool { return policyPrefix.MatchString(err.Error()) }

// Kind is which of the approval chain's refusals a message is.
type Kind int

const (
	// Other is none of the approval chain's refusals.
	Other Kind = iota
	// NoRole is the refusal: the user does not hold the role they decide as.
	NoRole
	// OutOfOrder is the refusal: an earlier official has not approved yet.
	OutOfOrder
	// Returned is the refusal: the request is back with the applicant for another name.
	Returned
	// OwnRequest is the refusal: the applicant cannot approve their own request.
	OwnRequest
	// TwoSteps is the refusal: one person cannot fill two steps.
	TwoSteps
	// Rejected is the refusal: a rejected request is final.
	Rejected
	// Decided is the refusal: a decision on record cannot be changed.
	Decided
	// ServiceAccount is the refusal: service accounts cannot decide.
	ServiceAccount
)

// kinds are the approval chain's refusals, by the sentence each message holds.
var kinds = []struct {
	phrase string
	kind   Kind
}{
	{hostingv1.RefusalNoRole, NoRole},
	{hostingv1.RefusalOutOfOrder, OutOfOrder},
	{hostingv1.RefusalReturned, Returned},
	{hostingv1.RefusalOwnRequest, OwnRequest},
	{hostingv1.RefusalTwoSteps, TwoSteps},
	{hostingv1.RefusalRejected, Rejected},
	{hostingv1.RefusalDecided, Decided},
	{hostingv1.RefusalServiceAccount, ServiceAccount},
}

// KindOf is the kind of the refusal message msg (as Message returns it).
func KindOf(msg string) Kind {
	for _, k := range kinds {
		if strings.Contains(msg, k.phrase) {
			return k.kind
		}
	}
	return Other
}
