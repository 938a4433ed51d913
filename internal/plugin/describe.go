package plugin

import (
	"io"
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
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a request and its timeline: who decided each step, when, and how long it took",
		Long: `Show a SubdomainRequest: what was asked, where it stands, and its timeline.

The timeline has one row per step of the SOP: the official (or the applicant, or the
operator) who performs it, the user who decided it, when, how long it took, the SOP's
time standard for it, and whether that standard was exceeded (BREACHED). A rejection's
reason, or why the request was returned to the applicant, is shown below the table.`,
		Example: `  kubectl subdomain describe dinkes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.session()
			if err != nil {
				return err
			}
			sdr, err := s.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printDescription(o.streams.Out, sdr, time.Now())
		},
	}
}

func printDescription(out io.Writer, sdr *hostingv1.SubdomainRequest, now time.Time) error {
	sp, st := sdr.Spec, sdr.Status
	w := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fprintf(w, "Name:\t%s\n", sdr.Name)
	fprintf(w, "Subdomain:\t%s\n", sp.Subdomain)
	fprintf(w, "Unit:\t%s\n", sp.Applicant.Unit)
	fprintf(w, "Contact:\t%s\n", contactText(sp.Applicant))
	fprintf(w, "Letter:\t%s of %s\n", sp.Letter.Number, sp.Letter.Date)
	fprintf(w, "Purpose:\t%s\n", sp.Purpose)
	fprintf(w, "Phase:\t%s\n", orDash(string(st.Phase)))
	fprintf(w, "Waiting for:\t%s\n", waitsFor(sdr))
	fprintf(w, "URL:\t%s\n", orDash(st.URL))
	fprintf(w, "Requested by:\t%s\n", orDash(requestedBy(sdr)))
	fprintf(w, "Created:\t%s\n", sdr.CreationTimestamp.Local().Format(timeLayout))
	if err := w.Flush(); err != nil {
		return err
	}

	fprintf(out, "\nTimeline:\n")
	if len(st.Steps) == 0 {
		fprintf(out, "  (not recorded yet: the operator has not seen this request)\n")
		return nil
	}
	w = tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fprintf(w, "STEP\tSTATE\tOFFICIAL\tBY\tDECIDED AT\tTOOK\tSTANDARD\tBREACHED\n")
	for _, s := range st.Steps {
		fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.State, performer(s.Role), orDash(s.By),
			timeText(s.DecidedAt), tookText(s, now), standardText(s.TimeStandard), yesNo(s.Breached || pastDeadline(s, now)))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, s := range st.Steps {
		if s.Message == "" {
			continue
		}
		switch s.State {
		case hostingv1.StepStateRejected:
			fprintf(out, "\nRejected by %s (%s). Reason: %s\n", s.By, performer(s.Role), s.Message)
		case hostingv1.StepStateReturned:
			fprintf(out, "\nReturned to the applicant: %s\nThe applicant may choose another spec.subdomain; the %s then checks the new name.\n",
				s.Message, performer(s.Role))
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
func tookText(s hostingv1.Step, now time.Time) string {
	switch {
	case s.Took != "":
		return s.Took
	case s.State == hostingv1.StepStateWaiting && s.StartedAt != nil:
		return duration.HumanDuration(now.Sub(s.StartedAt.Time)) + " so far"
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

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
