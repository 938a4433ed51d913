package refusal

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

func TestMessageAndKind(t *testing.T) {
	gr := schema.GroupResource{Group: hostingv1.GroupVersion.Group, Resource: "subdomainrequests"}
	policy := apierrors.NewForbidden(gr, "dinkes", errors.New("ValidatingAdmissionPolicy 'subdomainrequest-approval-chain' with binding 'subdomainrequest-approval-chain' denied request: "+
		"kepala-bidang-informatika cannot decide yet: the SOP's order is kepala-dinas, kepala-bidang-informatika, kepala-seksi-ti-persandian, and kepala-dinas has not approved"))
	mutating := apierrors.NewForbidden(gr, "dinkes", errors.New("MutatingAdmissionPolicy 'requested-by' with binding 'requested-by' denied request: oidc:agus does not hold the role kepala-dinas"))
	rbac := apierrors.NewForbidden(gr, "dinkes", errors.New(`User "oidc:siti" cannot patch resource "subdomainrequests"`))
	for _, c := range []struct {
		name     string
		err      error
		message  string
		kind     Kind
		byPolicy bool
	}{
		{"out of order", policy, "kepala-bidang-informatika cannot decide yet: the SOP's order is kepala-dinas, kepala-bidang-informatika, kepala-seksi-ti-persandian, and kepala-dinas has not approved", OutOfOrder, true},
		{"a mutating policy", mutating, "oidc:agus does not hold the role kepala-dinas", NoRole, true},
		{"RBAC", rbac, `subdomainrequests.hosting.kuduskab.go.id "dinkes" is forbidden: User "oidc:siti" cannot patch resource "subdomainrequests"`, Other, false},
	} {
		if got := Message(c.err); got != c.message {
			t.Errorf("%s: Message = %q, want %q", c.name, got, c.message)
		}
		if got := KindOf(Message(c.err)); got != c.kind {
			t.Errorf("%s: KindOf = %v, want %v", c.name, got, c.kind)
		}
		if got := ByPolicy(c.err); got != c.byPolicy {
			t.Errorf("%s: ByPolicy = %v, want %v", c.name, got, c.byPolicy)
		}
	}
	// A plain error (as a client's, or an error's text): the policy's sentence, or the text.
	plain := errors.New(`subdomainrequests.hosting.kuduskab.go.id "dinkes" is forbidden: ValidatingAdmissionPolicy ` +
		`'subdomainrequest-approval-chain.hosting.kuduskab.go.id' with binding 'subdomainrequest-approval-chain.hosting.kuduskab.go.id' ` +
		`denied request: the applicant cannot approve their own request`)
	if got := Message(plain); got != "the applicant cannot approve their own request" || KindOf(got) != OwnRequest {
		t.Errorf("plain policy error: %q", got)
	}
	if got := Message(errors.New("connection refused")); got != "connection refused" || KindOf(got) != Other {
		t.Errorf("plain error: %q", got)
	}
	for _, phrase := range []string{hostingv1.RefusalNoRole, hostingv1.RefusalOutOfOrder, hostingv1.RefusalReturned, hostingv1.RefusalOwnRequest,
		hostingv1.RefusalTwoSteps, hostingv1.RefusalRejected, hostingv1.RefusalDecided, hostingv1.RefusalServiceAccount} {
		if KindOf("x "+phrase+" y") == Other {
			t.Errorf("%q is not read as a refusal of the approval chain", phrase)
		}
	}
}
