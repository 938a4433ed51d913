package plugin

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

func newListCommand(o *options) *cobra.Command {
	var mine bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the requests, with who each waits for and which steps are overdue",
		Long: `List every SubdomainRequest, oldest first.

WAITING FOR is who must act next: one of the officials, the applicant (the name is
taken and must be changed), or the operator (the technical staff's automation).
OVERDUE names the steps that took, or have been waiting, longer than the SOP's time
standard, with how far past it they went, e.g. "KepalaDinas (+12m)".

With --waiting-for-me only the requests that wait for a role you hold are shown.`,
		Example: `  kubectl subdomain list
  kubectl subdomain list --waiting-for-me`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := o.session()
			if err != nil {
				return err
			}
			items, err := s.list(ctx)
			if err != nil {
				return err
			}
			out := o.streams.Out
			if mine {
				held, err := s.heldRoles(ctx)
				if err != nil {
					return err
				}
				if len(held) == 0 {
					fprintf(out, "You hold none of the officials' roles (%s), so no request waits for you.\n", rolesText(hostingv1.Roles))
					return nil
				}
				items = waitingFor(items, held)
				if len(items) == 0 {
					fprintf(out, "No request waits for you (%s).\n", rolesText(held))
					return nil
				}
			} else if len(items) == 0 {
				fprintf(out, "There are no subdomain requests yet.\n")
				return nil
			}
			return printList(out, items, time.Now())
		},
	}
	cmd.Flags().BoolVar(&mine, "waiting-for-me", false, "show only the requests that wait for a role you hold")
	return cmd
}

// waitingFor keeps the requests whose status.waitingFor is one of the roles.
func waitingFor(items []hostingv1.SubdomainRequest, roles []hostingv1.Role) []hostingv1.SubdomainRequest {
	var out []hostingv1.SubdomainRequest
	for _, it := range items {
		for _, r := range roles {
			if it.Status.WaitingFor == string(r) {
				out = append(out, it)
				break
			}
		}
	}
	return out
}

func printList(out io.Writer, items []hostingv1.SubdomainRequest, now time.Time) error {
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fprintf(w, "NAME\tSUBDOMAIN\tUNIT\tPHASE\tWAITING FOR\tAGE\tOVERDUE\n")
	for _, it := range items {
		fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Name, it.Spec.Subdomain, it.Spec.Applicant.Unit,
			orDash(string(it.Status.Phase)), waitingForColumn(it.Status.WaitingFor),
			duration.HumanDuration(now.Sub(it.CreationTimestamp.Time)), orDash(overdue(it.Status.Steps, now)))
	}
	return w.Flush()
}

// waitingForColumn is the WAITING FOR cell: an official's title, or who else it is.
func waitingForColumn(waitingFor string) string {
	for _, r := range hostingv1.Roles {
		if waitingFor == string(r) {
			return approval.RoleTitle(r)
		}
	}
	return orDash(waitingFor)
}

// overdue lists the steps past their time standard: those the operator marked
// breached, and a step still waiting whose deadline has passed (the operator marks it
// at the deadline; this does not wait for that). Each is followed by how far past the
// deadline it went, when the deadline is known.
func overdue(steps []hostingv1.Step, now time.Time) string {
	var out []string
	for _, s := range steps {
		if !s.Breached && !pastDeadline(s, now) {
			continue
		}
		if s.Deadline == nil {
			out = append(out, s.Name)
			continue
		}
		end := now
		if s.DecidedAt != nil {
			end = s.DecidedAt.Time
		}
		if past := end.Sub(s.Deadline.Time); past >= time.Second {
			out = append(out, fmt.Sprintf("%s (+%s)", s.Name, duration.HumanDuration(past)))
		} else {
			out = append(out, s.Name)
		}
	}
	return strings.Join(out, ", ")
}

// rolesText lists roles by title, e.g. "Kepala Dinas, Kepala Bidang Informatika".
func rolesText(roles []hostingv1.Role) string {
	titles := make([]string, len(roles))
	for i, r := range roles {
		titles[i] = approval.RoleTitle(r)
	}
	return strings.Join(titles, ", ")
}
