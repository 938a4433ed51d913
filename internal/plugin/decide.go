package plugin

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
	"github.com/kudus-diskominfo/subdomain-operator/internal/refusal"
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
		Example: `  kubectl subdomain approve dinkes
  kubectl subdomain approve dinkes --lang id`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRequestNames(o, true),
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
		Example:           `  kubectl subdomain reject dinkes --reason "Nomor surat tidak terdaftar di TU"`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRequestNames(o, true),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return o.lang().errorf("decide.needReason")
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
	l := s.lang
	chain := approval.Parse(sdr.Annotations)
	if rj := chain.Rejection; rj != nil {
		return o.refuse(l, l.t("decide.alreadyRejected", name, rj.User, approval.RoleTitle(rj.Role), rj.Reason), l.t("hint.rejectedFinal"))
	}
	role, pending := chain.NextRole()
	if !pending {
		hint := l.t("decide.nothingLeft")
		if sdr.Status.WaitingFor != "" {
			hint = l.t("decide.nothingLeftWaits", waitsFor(l, sdr))
		}
		return o.refuse(l, l.t("decide.allApproved", name), hint)
	}
	held, err := s.heldRoles(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(held, role) {
		return o.refuse(l, l.t("decide.notHolding", name, approval.RoleTitle(role), role, user), notHoldingHint(l, role, held))
	}

	annotations := map[string]string{hostingv1.ApprovalAnnotation(role): user}
	if reject {
		annotations = map[string]string{hostingv1.RejectionAnnotation(role): user, hostingv1.RejectionReasonAnnotation: reason}
	}
	if err := s.annotate(ctx, name, role, annotations); err != nil {
		if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) {
			msg := refusal.Message(err)
			return o.refuse(l, msg, refusalHint(l, msg, name, role, sdr))
		}
		return err
	}

	out := o.streams.Out
	if reject {
		fprintf(out, "%s\n", l.t("decide.rejected", user, name, approval.RoleTitle(role)))
		fprintf(out, "%s\n", l.t("decide.reason", reason))
		fprintf(out, "%s\n", l.t("decide.final"))
		return nil
	}
	fprintf(out, "%s\n", l.t("decide.approved", user, name, approval.RoleTitle(role), hostingv1.ApprovalAnnotation(role), user))
	chain.Approvals[role] = user
	if next, ok := chain.NextRole(); ok {
		fprintf(out, "%s\n", l.t("decide.next", approval.RoleTitle(next), next))
	} else {
		fprintf(out, "%s\n", l.t("decide.allDone"))
	}
	return nil
}

// refuse explains a refusal and makes the command exit non-zero. The message may be
// the API server's own, as it sent it; the hint is in the user's language.
func (o *options) refuse(l language, message, hint string) error {
	fprintf(o.streams.ErrOut, "%s\n%s\n", l.t("refused", message), hint)
	return errReported
}

// refusalHint is one line saying what to do about the API server's refusal (which is
// in English, as the admission policies write it).
func refusalHint(l language, msg, name string, role hostingv1.Role, sdr *hostingv1.SubdomainRequest) string {
	title := approval.RoleTitle(role)
	switch refusal.KindOf(msg) {
	case refusal.NoRole:
		return l.t("hint.askRole", role)
	case refusal.OutOfOrder, refusal.Returned:
		return l.t("hint.waitsFor", waitsFor(l, sdr))
	case refusal.OwnRequest:
		return l.t("hint.ownRequest", title)
	case refusal.TwoSteps:
		return l.t("hint.oneStep", title)
	case refusal.Rejected:
		return l.t("hint.rejectedFinal")
	case refusal.Decided:
		return l.t("hint.final", name)
	case refusal.ServiceAccount:
		return l.t("hint.serviceAccount")
	}
	return l.t("hint.describe", name)
}

// notHoldingHint is what to do when the caller does not hold the role a request waits for.
func notHoldingHint(l language, role hostingv1.Role, held []hostingv1.Role) string {
	if len(held) == 0 {
		return l.t("hint.noRole", approval.RoleTitle(role), role)
	}
	return l.t("hint.otherRole", rolesText(held))
}

// waitsFor says who the request waits for, from its status, or from its annotations
// while the operator has not yet written a status.
func waitsFor(l language, sdr *hostingv1.SubdomainRequest) string {
	if sdr.Status.Phase != "" {
		return waitingForText(l, sdr.Status.WaitingFor)
	}
	if next, ok := approval.Parse(sdr.Annotations).NextRole(); ok {
		return waitingForText(l, string(next))
	}
	return l.t("who.operator")
}

// jsonMergePatch is a JSON merge patch that sets annotations and nothing else.
func jsonMergePatch(annotations map[string]string) ([]byte, error) {
	return json.Marshal(map[string]any{"metadata": map[string]any{"annotations": annotations}})
}
