package plugin

import (
	"io"
	"k8s.io/apimachinery/pkg/api/meta"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// timeLayout is how times are shown to people, in the machine's time zone.
const timeLayout = "2006-01-02 15:04:05 MST"

func newDescribeCommand(o *options) *cobra.Command {
	output := newOutputFlags()
	cmd := &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a request and its timeline: who decided each step, when, and how long it took",
		Long: `Show a SubdomainRequest: what was asked, where it stands, and its timeline.

The timeline has one row per step of the SOP: the official (or the applicant, or the
operator) who performs it, the user who decided it, when, how long it took, the SOP's
time standard for it, and whether that standard was exceeded (BREACHED). A rejection's
reason, or why the request was returned to the applicant, is shown below the table.

-o wide adds when each step started and its deadline. -o json and -o yaml print the
request as the API server holds it, as kubectl get does; -o name, jsonpath and
go-template work as in kubectl get.`,
		Example: `  kubectl subdomain describe dinkes
  kubectl subdomain describe dinkes --lang id
  kubectl subdomain describe dinkes -o yaml`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeRequestNames(o, false),
		RunE: func(cmd *cobra.Command, args []string) error {
			l := o.lang()
			if err := output.validate(l); err != nil {
				return err
			}
			s, err := o.session()
			if err != nil {
				return err
			}
			sdr, raw, err := s.getRaw(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !output.human() {
				return output.printObject(l, raw, o.streams.Out)
			}
			return printDescription(o.streams.Out, l, sdr, time.Now(), output.wide())
		},
	}
	output.addFlags(cmd)
	return cmd
}

// printDescription prints a request and its timeline; wide adds when each step
// started and its deadline.
func printDescription(out io.Writer, l language, sdr *hostingv1.SubdomainRequest, now time.Time, wide bool) error {
	sp, st := sdr.Spec, sdr.Status
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fprintf(w, "%s\t%s\n", l.t("desc.name"), sdr.Name)
	fprintf(w, "%s\t%s\n", l.t("desc.subdomain"), sp.Subdomain)
	fprintf(w, "%s\t%s\n", l.t("desc.unit"), sp.Applicant.Unit)
	fprintf(w, "%s\t%s\n", l.t("desc.contact"), contactText(sp.Applicant))
	fprintf(w, "%s\t%s\n", l.t("desc.letter"), l.t("desc.letterOf", sp.Letter.Number, sp.Letter.Date))
	fprintf(w, "%s\t%s\n", l.t("desc.purpose"), sp.Purpose)
	fprintf(w, "%s\t%s\n", l.t("desc.phase"), orDash(string(st.Phase)))
	fprintf(w, "%s\t%s\n", l.t("desc.waiting"), waitsFor(l, sdr))
	fprintf(w, "%s\t%s\n", l.t("desc.url"), orDash(st.URL))
	fprintf(w, "%s\t%s\n", l.t("desc.requested"), orDash(requestedBy(sdr)))
	fprintf(w, "%s\t%s\n", l.t("desc.created"), sdr.CreationTimestamp.Local().Format(timeLayout))
	if err := w.Flush(); err != nil {
		return err
	}

	fprintf(out, "\n%s\n", l.t("desc.timeline"))
	if len(st.Steps) == 0 {
		fprintf(out, "%s\n", l.t("desc.noSteps"))
		return nil
	}
	w = tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	header := l.t("desc.stepsHeader")
	if wide {
		header += l.t("desc.stepsHeaderWide")
	}
	fprintf(w, "%s\n", header)
	for _, s := range st.Steps {
		fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", s.Name, s.State, performer(l, s.Role), orDash(s.By),
			timeText(s.DecidedAt), tookText(l, s, now), standardText(s.TimeStandard), yesNo(l, s.Breached || pastDeadline(s, now)))
		if wide {
			fprintf(w, "\t%s\t%s", timeText(s.StartedAt), timeText(s.Deadline))
		}
		fprintf(w, "\n")
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := printSiteConditions(out, l, st.Conditions); err != nil {
		return err
	}
	for _, s := range st.Steps {
		if s.Message == "" {
			continue
		}
		switch s.State {
		case hostingv1.StepStateRejected:
			fprintf(out, "\n%s\n", l.t("desc.rejectedBy", s.By, performer(l, s.Role), s.Message))
		case hostingv1.StepStateReturned:
			fprintf(out, "\n%s\n", l.t("desc.returned", s.Message, performer(l, s.Role)))
		default:
			fprintf(out, "\n%s: %s\n", s.Name, s.Message)
		}
	}
	return nil
}

// contactText is the contact person with position, e-mail and phone, as given.
func contactText(a hostingv1.Applicant) string {
	parts := []string{a.ContactName}
	if a.Position != "" {
		parts[0] += " (" + a.Position + ")"
	}
	for _, p := range []string{a.Email, a.Phone} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// requestedBy is the user the API server recorded as the creator of the request.
func requestedBy(sdr *hostingv1.SubdomainRequest) string {
	if sdr.Status.RequestedBy != "" {
		return sdr.Status.RequestedBy
	}
	return sdr.Annotations[hostingv1.RequestedByAnnotation]
}

func timeText(t *metav1.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format(timeLayout)
}

// tookText is how long a decided step took, or how long a waiting step has waited.
func tookText(l language, s hostingv1.Step, now time.Time) string {
	switch {
	case s.Took != "":
		return s.Took
	case s.State == hostingv1.StepStateWaiting && s.StartedAt != nil:
		return l.t("desc.soFar", duration.HumanDuration(now.Sub(s.StartedAt.Time)))
	}
	return "-"
}

// standardText shows a time standard as "10m" rather than "10m0s".
func standardText(d *metav1.Duration) string {
	if d == nil || d.Duration <= 0 {
		return "-"
	}
	s := d.Duration.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// pastDeadline is true for a step still waiting after its deadline.
func pastDeadline(s hostingv1.Step, now time.Time) bool {
	return s.State == hostingv1.StepStateWaiting && s.Deadline != nil && now.After(s.Deadline.Time)
}

func yesNo(l language, b bool) string {
	if b {
		return l.t("yes")
	}
	return l.t("no")
}

// siteConditions are the conditions that together make a site Ready, in the order it
// is made.
var siteConditions = []string{
	hostingv1.ConditionNamespaceReady, hostingv1.ConditionIngressReady, hostingv1.ConditionHostExclusive,
	hostingv1.ConditionSiteAvailable, hostingv1.ConditionRouteAccepted, hostingv1.ConditionCertificateReady,
	hostingv1.ConditionDNSReady, hostingv1.ConditionReady,
}

// printSiteConditions prints the site's conditions once provisioning started (the
// operator's messages are in English).
func printSiteConditions(out io.Writer, l language, conds []metav1.Condition) error {
	if meta.FindStatusCondition(conds, hostingv1.ConditionNamespaceReady) == nil {
		return nil
	}
	fprintf(out, "\n%s\n", l.t("desc.site"))
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fprintf(w, "%s\n", l.t("desc.siteHeader"))
	for _, typ := range siteConditions {
		if c := meta.FindStatusCondition(conds, typ); c != nil {
			fprintf(w, "%s\t%s\t%s\n", c.Type, c.Status, c.Message)
		}
	}
	return w.Flush()
}
