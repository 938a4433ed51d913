package plugin

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

// registerFields are the register's columns, in order: the CSV header and the JSON
// keys. Keep in step with entry.
var registerFields = []string{
	"name", "letterNumber", "letterDate", "unit", "contact", "subdomain", "requestedBy", "created",
	"kepalaDinas", "kepalaDinasDecidedAt", "kepalaBidang", "kepalaBidangDecidedAt", "kepalaSeksi", "kepalaSeksiDecidedAt",
	"provisionedAt", "result", "url",
}

// entry is one row of the register.
type entry struct {
	Name                  string `json:"name"`
	LetterNumber          string `json:"letterNumber"`
	LetterDate            string `json:"letterDate"`
	Unit                  string `json:"unit"`
	Contact               string `json:"contact"`
	Subdomain             string `json:"subdomain"`
	RequestedBy           string `json:"requestedBy"`
	Created               string `json:"created"`
	KepalaDinas           string `json:"kepalaDinas"`
	KepalaDinasDecidedAt  string `json:"kepalaDinasDecidedAt"`
	KepalaBidang          string `json:"kepalaBidang"`
	KepalaBidangDecidedAt string `json:"kepalaBidangDecidedAt"`
	KepalaSeksi           string `json:"kepalaSeksi"`
	KepalaSeksiDecidedAt  string `json:"kepalaSeksiDecidedAt"`
	ProvisionedAt         string `json:"provisionedAt"`
	Result                string `json:"result"`
	URL                   string `json:"url"`
}

func (e entry) record() []string {
	return []string{e.Name, e.LetterNumber, e.LetterDate, e.Unit, e.Contact, e.Subdomain, e.RequestedBy, e.Created,
		e.KepalaDinas, e.KepalaDinasDecidedAt, e.KepalaBidang, e.KepalaBidangDecidedAt, e.KepalaSeksi, e.KepalaSeksiDecidedAt,
		e.ProvisionedAt, e.Result, e.URL}
}

func newRegisterCommand(o *options) *cobra.Command {
	var output, since string
	cmd := &cobra.Command{
		Use:   "register [--output table|csv|json] [--since YYYY-MM-DD]",
		Short: "Show or export the register of requests for auditors (a table, CSV or JSON)",
		Long: `Show or export the register of subdomain requests ("data permohonan sub domain"), one
row per request, oldest first. --since keeps the requests created on or after that day
(in this machine's time zone).

Without --output the register is a table to read on the screen: the letter, the unit,
who filed the request and when (in this machine's time zone), who decided as each
official, the result and the site's address; "-" means "not (yet)". For the auditors'
files use --output csv or --output json: there times are RFC 3339 in UTC, the times
of the officials' decisions are included, and an empty field means "not (yet)".

CSV has a header row with the field names; JSON is an array of objects with the same
fields:
  name                   the SubdomainRequest's name
  letterNumber           the request letter's number (spec.letter.number)
  letterDate             the request letter's date, YYYY-MM-DD
  unit                   the requesting unit (OPD)
  contact                the contact person and e-mail, "Name <email>"
  subdomain              the requested name, e.g. dinkes (for dinkes.kuduskab.go.id)
  requestedBy            the user who filed the request, as recorded by the API server
  created                when the request was filed
  kepalaDinas            the user who decided as Kepala Dinas (approved, or rejected
                         when result is Rejected)
  kepalaDinasDecidedAt   when the Kepala Dinas decided
  kepalaBidang           the user who decided as Kepala Bidang Informatika
  kepalaBidangDecidedAt  when the Kepala Bidang Informatika decided
  kepalaSeksi            the user who decided as Kepala Seksi TI dan Persandian
  kepalaSeksiDecidedAt   when the Kepala Seksi TI dan Persandian decided
  provisionedAt          when the site was created and working
  result                 the request's phase, e.g. Ready, Rejected, PendingKepalaDinas
  url                    the site's address, once provisioned`,
		Example: `  kubectl subdomain register
  kubectl subdomain register --output csv --since 2026-01-01 > register-2026.csv
  kubectl subdomain register --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l := o.lang()
			if output != "table" && output != "csv" && output != "json" {
				return l.errorf("register.output", output)
			}
			var from time.Time
			if since != "" {
				t, err := time.ParseInLocation(time.DateOnly, since, time.Local)
				if err != nil {
					return l.errorf("register.since", since)
				}
				from = t
			}
			s, err := o.session()
			if err != nil {
				return err
			}
			items, err := s.list(cmd.Context())
			if err != nil {
				return err
			}
			entries := []entry{}
			var kept []*hostingv1.SubdomainRequest
			for i := range items {
				if !items[i].CreationTimestamp.Time.Before(from) {
					entries = append(entries, registerEntry(&items[i]))
					kept = append(kept, &items[i])
				}
			}
			switch output {
			case "json":
				enc := json.NewEncoder(o.streams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			case "csv":
				return writeCSV(o.streams.Out, entries)
			}
			switch {
			case len(kept) == 0 && since != "":
				fprintf(o.streams.Out, "%s\n", l.t("register.noneSince", since))
				return nil
			case len(kept) == 0:
				fprintf(o.streams.Out, "%s\n", l.t("list.empty"))
				return nil
			}
			return writeRegisterTable(o.streams.Out, l, kept, entries)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table (to read on the screen), csv or json (for the auditors' files)")
	cmd.Flags().StringVar(&since, "since", "", "only requests created on or after this date, YYYY-MM-DD")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "csv", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// writeRegisterTable is the register to read on the screen: the CSV's columns without
// the times of the decisions, with the filing time in this machine's time zone.
func writeRegisterTable(out io.Writer, l language, items []*hostingv1.SubdomainRequest, entries []entry) error {
	w := tabwriter.NewWriter(out, 0, 8, 3, ' ', 0)
	fprintf(w, "%s\n", l.t("register.header"))
	for i, e := range entries {
		fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, orDash(e.LetterNumber), e.Unit, e.Subdomain,
			orDash(e.RequestedBy), items[i].CreationTimestamp.Local().Format("2006-01-02 15:04 MST"),
			orDash(e.KepalaDinas), orDash(e.KepalaBidang), orDash(e.KepalaSeksi), orDash(e.Result), orDash(e.URL))
	}
	return w.Flush()
}

// WriteRegisterCSV writes the register of items as CSV, exactly as
// `kubectl subdomain register --output csv` does: the header row, then one row per
// request in the order given. The portal's CSV download uses it, so that both give
// auditors the same columns.
func WriteRegisterCSV(out io.Writer, items []hostingv1.SubdomainRequest) error {
	entries := make([]entry, len(items))
	for i := range items {
		entries[i] = registerEntry(&items[i])
	}
	return writeCSV(out, entries)
}

func writeCSV(out io.Writer, entries []entry) error {
	w := csv.NewWriter(out)
	if err := w.Write(registerFields); err != nil {
		return err
	}
	for _, e := range entries {
		if err := w.Write(e.record()); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// registerEntry is a request's row: the spec, the officials' decisions from the
// timeline (or, before the operator recorded them, from the annotations) and the result.
func registerEntry(sdr *hostingv1.SubdomainRequest) entry {
	sp, st := sdr.Spec, sdr.Status
	e := entry{
		Name: sdr.Name, LetterNumber: sp.Letter.Number, LetterDate: sp.Letter.Date, Unit: sp.Applicant.Unit,
		Contact: fmt.Sprintf("%s <%s>", sp.Applicant.ContactName, sp.Applicant.Email), Subdomain: sp.Subdomain,
		RequestedBy: requestedBy(sdr), Created: stamp(&sdr.CreationTimestamp), Result: string(st.Phase), URL: st.URL,
	}
	decided := func(step string, role hostingv1.Role) (string, string) {
		for _, s := range st.Steps {
			if s.Name == step && s.By != "" && (s.State == hostingv1.StepStateDone || s.State == hostingv1.StepStateRejected) {
				return s.By, stamp(s.DecidedAt)
			}
		}
		chain := approval.Parse(sdr.Annotations)
		if u, ok := chain.Approvals[role]; ok {
			return u, ""
		}
		if rj := chain.Rejection; rj != nil && rj.Role == role {
			return rj.User, ""
		}
		return "", ""
	}
	e.KepalaDinas, e.KepalaDinasDecidedAt = decided(hostingv1.StepKepalaDinas, hostingv1.RoleKepalaDinas)
	e.KepalaBidang, e.KepalaBidangDecidedAt = decided(hostingv1.StepKepalaBidang, hostingv1.RoleKepalaBidangInformatika)
	e.KepalaSeksi, e.KepalaSeksiDecidedAt = decided(hostingv1.StepKepalaSeksi, hostingv1.RoleKepalaSeksiTIPersandian)
	for _, s := range st.Steps {
		if s.Name == hostingv1.StepProvisioning && s.State == hostingv1.StepStateDone {
			e.ProvisionedAt = stamp(s.DecidedAt)
		}
	}
	return e
}

// stamp is a time for the register: RFC 3339 in UTC, empty when unknown.
func stamp(t *metav1.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
