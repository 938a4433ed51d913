package plugin

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/duration"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

func newListCommand(o *options) *cobra.Command {
	var mine bool
	output := newOutputFlags()
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the requests, with who each waits for and which steps are overdue",
		Long: `List every SubdomainRequest, oldest first.

WAITING FOR is who must act next: one of the officials, the applicant (the name is
taken and must be changed), or the operator (the technical staff's automation).
OVERDUE names the steps that took, or have been waiting, longer than the SOP's time
standard, with how far past it they went, e.g. "KepalaDinas (+12m)".

With --waiting-for-me only the requests that wait for a role you hold are shown.

-o wide adds who filed each request, the letter's number and the site's address.
-o json and -o yaml print the requests as the API server holds them, as kubectl get
does (a v1 List, which kubectl apply and kubectl diff read back); -o name prints
subdomainrequest.hosting.kuduskab.go.id/NAME lines; jsonpath and go-template work
as in kubectl get.`,
		Example: `  kubectl subdomain list
  kubectl subdomain list --waiting-for-me
  kubectl subdomain list -o wide
  kubectl subdomain list -o yaml > permohonan-$(date +%F).yaml
  kubectl subdomain list --waiting-for-me -o name`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			l := o.lang()
			if err := output.validate(l); err != nil {
				return err
			}
			s, err := o.session()
			if err != nil {
				return err
			}
			items, raw, err := s.listAll(ctx)
			if err != nil {
				return err
			}
			// A note instead of a table goes to stdout, as before; with -o json|yaml|...
			// stdout holds only the (empty) list and the note goes to stderr.
			note := o.streams.Out
			if !output.human() {
				note = o.streams.ErrOut
			}
			if mine {
				held, err := s.heldRoles(ctx)
				if err != nil {
					return err
				}
				if len(held) == 0 {
					fprintf(note, "%s\n", l.t("list.noRoles", rolesText(hostingv1.Roles)))
					if output.human() {
						return nil
					}
				}
				items, raw = waitingFor(items, raw, held)
				if len(items) == 0 && len(held) > 0 {
					fprintf(note, "%s\n", l.t("list.noneForYou", rolesText(held)))
					if output.human() {
						return nil
					}
				}
			} else if len(items) == 0 {
				fprintf(note, "%s\n", l.t("list.empty"))
				if output.human() {
					return nil
				}
			}
			if !output.human() {
				return output.printObject(l, asList(raw), o.streams.Out)
			}
			return printList(o.streams.Out, l, items, time.Now(), output.wide())
		},
	}
	cmd.Flags().BoolVar(&mine, "waiting-for-me", false, "show only the requests that wait for a role you hold")
	output.addFlags(cmd)
	return cmd
}

// waitingFor keeps the requests whose status.waitingFor is one of the roles, typed and
// as the API server sent them (the two slices are in step).
func waitingFor(items []hostingv1.SubdomainRequest, raw []unstructured.Unstructured, roles []hostingv1.Role) (
	[]hostingv1.SubdomainRequest, []unstructured.Unstructured) {
	var out []hostingv1.SubdomainRequest
	outRaw := []unstructured.Unstructured{}
	for i, it := range items {
		for _, r := range roles {
			if it.Status.WaitingFor == string(r) {
				out = append(out, it)
				outRaw = append(outRaw, raw[i])
				break
			}
		}
	}
	return out, outRaw
}

// printList prints the table of requests; wide adds who filed each, the letter's number
// and the site's address.
func printList(out io.Writer, l language, items []hostingv1.SubdomainRequest, now time.Time, wide bool) error {
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	header := l.t("list.header")
	if wide {
		header += l.t("list.headerWide")
	}
	fprintf(w, "%s\n", header)
	for _, it := range items {
		fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s", it.Name, it.Spec.Subdomain, it.Spec.Applicant.Unit,
			orDash(string(it.Status.Phase)), waitingForColumn(l, it.Status.WaitingFor),
			duration.HumanDuration(now.Sub(it.CreationTimestamp.Time)), orDash(overdue(it.Status.Steps, now)))
		if wide {
			fprintf(w, "\t%s\t%s\t%s", orDash(requestedBy(&it)), orDash(it.Spec.Letter.Number), orDash(it.Status.URL))
		}
		fprintf(w, "\n")
	}
	return w.Flush()
}

// waitingForColumn is the WAITING FOR cell: an official's title, or who else it is.
func waitingForColumn(l language, waitingFor string) string {
	for _, r := range hostingv1.Roles {
		if waitingFor == string(r) {
			return approval.RoleTitle(r)
		}
	}
	return orDash(column(l, waitingFor))
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
