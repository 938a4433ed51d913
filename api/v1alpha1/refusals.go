package v1alpha1

// Fragments of the approval chain's refusal messages (the admission policy
// config/policies/approval-chain.yaml) by which the kubectl plugin recognises a
// refusal to explain it in plain words. controllers/approval_test.go pins each against
// the real API server, so a change of wording in the policy fails there, not in the
// officials' terminal.
const (
	// RefusalNoRole: the user does not hold the official's role.
	RefusalNoRole = "does not hold the role"
	// RefusalOutOfOrder: an earlier official has not approved yet.
	RefusalOutOfOrder = "cannot decide yet"
	// RefusalReturned: the request is back with the applicant (name taken).
	RefusalReturned = "is back with the applicant"
	// RefusalOwnRequest: the applicant tried to approve their own request.
	RefusalOwnRequest = "cannot approve their own request"
	// RefusalTwoSteps: the user already filled another step.
	RefusalTwoSteps = "one person cannot fill two steps"
	// RefusalRejected: the request was rejected; it is final.
	RefusalRejected = "a rejected request is final"
	// RefusalDecided: a decision, once given, cannot be changed or removed.
	RefusalDecided = "cannot be changed"
	// RefusalServiceAccount: service accounts cannot decide.
	RefusalServiceAccount = "service accounts cannot approve or reject"
)
