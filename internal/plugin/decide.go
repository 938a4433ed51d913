package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

func newApproveCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "approve NAME",
		Short: "Approve a request as the official it waits for",
		Long: `Approve a SubdomainRequest with your own user name, as the official it waits for.

The command finds your user name and the role the request waits for, checks that you
hold that role, and records approval.hosting.kuduskab.go.id/<role>=<your user name> on
the request. The API server checks the rules of the SOP again and has the last word;
when it refuses, the reason is shown in plain words and the exit code is 1.`,
		Example: `  kubectl subdomain approve dinkes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.decide(cmd.Context(), args[0], false, "")
		},
	}
}

func newRejectCommand(o *options) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "reject NAME --reason TEXT",
		Short: "Reject a request as the official it waits for, with a reason",
		Long: `Reject a SubdomainRequest with your own user name, as the official it waits for.

The reason is required; it is recorded together with the rejection
(rejection.hosting.kuduskab.go.id/<role>=<your user name> and
rejection.hosting.kuduskab.go.id/reason) and shown to the applicant. A rejection is
final: the applicant has to file a new request.`,
		Example: `  kubectl subdomain reject dinkes --reason "Nomor surat tidak terdaftar di TU"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return fmt.Errorf("a rejection needs a reason: add --reason \"...\"")
			}
			return o.decide(cmd.Context(), args[0], true, strings.TrimSpace(reason))
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the request is rejected (required; the applicant reads it)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

// decide records the caller's approval or rejection of a request, as the role the
// request waits for.
func (o *options) decide(ctx context.Context, name string, reject bool, reason string) error {
	s, err := o.session()
	if err != nil {
		return err
	}
	sdr, err := s.get(ctx, name)
	if err != nil {
		return err
	}
	user, err := s.whoAmI(ctx)
	if err != nil {
		return err
	}
	chain := approval.Parse(sdr.Annotations)
	if rj := chain.Rejection; rj != nil {
		return o.refuse(fmt.Sprintf("%s was already rejected by %s as %s: %s", name, rj.User, approval.RoleTitle(rj.Role), rj.Reason),
			"A rejected request is final: the applicant must file a new request.")
	}
	role, pending := chain.NextRole()
	if !pending {
		hint := "Nothing is left for an official to decide."
		if sdr.Status.WaitingFor != "" {
			hint = fmt.Sprintf("Nothing is left for an official to decide; it waits for %s.", waitsFor(sdr))
		}
		return o.refuse(fmt.Sprintf("all three officials have already approved %s", name), hint)
	}
	held, err := s.heldRoles(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(held, role) {
		return o.refuse(fmt.Sprintf("%s waits for the %s (%s), and you (%s) do not hold that role", name, approval.RoleTitle(role), role, user),
			notHoldingHint(role, held))
	}

	annotations := map[string]string{hostingv1.ApprovalAnnotation(role): user}
	if reject {
		annotations = map[string]string{hostingv1.RejectionAnnotation(role): user, hostingv1.RejectionReasonAnnotation: reason}
	}
	if err := s.annotate(ctx, name, role, annotations); err != nil {
		if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) {
			msg := serverMessage(err)
			return o.refuse(msg, refusalHint(msg, name, role, sdr))
		}
		return err
	}

	out := o.streams.Out
	if reject {
		fprintf(out, "Rejected: you (%s) rejected %s as %s.\n", user, name, approval.RoleTitle(role))
		fprintf(out, "Reason: %s\n", reason)
		fprintf(out, "A rejected request is final; the applicant has to file a new request.\n")
		return nil
	}
	fprintf(out, "Approved: you (%s) approved %s as %s (%s=%s).\n", user, name, approval.RoleTitle(role), hostingv1.ApprovalAnnotation(role), user)
	chain.Approvals[role] = user
	if next, ok := chain.NextRole(); ok {
		fprintf(out, "Next: %s (%s).\n", approval.RoleTitle(next), next)
	} else {
		fprintf(out, "All three officials have approved; the operator now checks the name once more and creates the site.\n")
	}
	return nil
}

// refuse explains a refusal and makes the command exit non-zero.
func (o *options) refuse(message, hint string) error {
	fprintf(o.streams.ErrOut, "Refused: %s\n%s\n", message, hint)
	return errReported
}

// policyPrefix is how the API server introduces an admission policy's message.
var policyPrefix = regexp.MustCompile(`ValidatingAdmissionPolicy '[^']*' with binding '[^']*' denied request: `)

// serverMessage is the API server's refusal without the technical preamble, so that
// only the policy's own sentence remains.
func serverMessage(err error) string {
	msg := err.Error()
	if loc := policyPrefix.FindStringIndex(msg); loc != nil {
		msg = msg[loc[1]:]
	}
	return strings.TrimSpace(msg)
}

// refusalHint is one line saying what to do about the API server's refusal.
func refusalHint(msg, name string, role hostingv1.Role, sdr *hostingv1.SubdomainRequest) string {
	title := approval.RoleTitle(role)
	switch {
	case strings.Contains(msg, "does not hold the role"):
		return fmt.Sprintf("Ask the platform team to add you to the group bound to ClusterRole subdomain-%s.", role)
	case strings.Contains(msg, "cannot decide yet"), strings.Contains(msg, "ReturnedToApplicant"):
		return fmt.Sprintf("The request waits for %s.", waitsFor(sdr))
	case strings.Contains(msg, "cannot approve their own request"):
		return fmt.Sprintf("Another %s must approve it: the applicant never approves their own request.", title)
	case strings.Contains(msg, "one person cannot fill two steps"):
		return fmt.Sprintf("Another %s must approve it: one person fills only one step of the SOP.", title)
	case strings.Contains(msg, "rejected"):
		return "A rejected request is final: the applicant must file a new request."
	case strings.Contains(msg, "cannot be changed"):
		return fmt.Sprintf("Decisions are final; see the timeline with 'kubectl subdomain describe %s'.", name)
	case strings.Contains(msg, "service accounts"):
		return "Decide with your own user account, not with a service account."
	}
	return fmt.Sprintf("See where the request stands with 'kubectl subdomain describe %s'.", name)
}

// notHoldingHint is what to do when the caller does not hold the role a request waits for.
func notHoldingHint(role hostingv1.Role, held []hostingv1.Role) string {
	if len(held) == 0 {
		return fmt.Sprintf("If you should decide as %s, ask the platform team to add you to the group bound to ClusterRole subdomain-%s.",
			approval.RoleTitle(role), role)
	}
	return fmt.Sprintf("You hold the role of %s: you can decide when a request waits for it (see 'kubectl subdomain list --waiting-for-me').",
		rolesText(held))
}

// waitsFor says who the request waits for, from its status, or from its annotations
// while the operator has not yet written a status.
func waitsFor(sdr *hostingv1.SubdomainRequest) string {
	if sdr.Status.Phase != "" {
		return waitingForText(sdr.Status.WaitingFor)
	}
	if next, ok := approval.Parse(sdr.Annotations).NextRole(); ok {
		return waitingForText(string(next))
	}
	return "the operator (technical staff)"
}

// jsonMergePatch is a JSON merge patch that sets annotations and nothing else.
func jsonMergePatch(annotations map[string]string) ([]byte, error) {
	return json.Marshal(map[string]any{"metadata": map[string]any{"annotations": annotations}})
}
