package plugin

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The people of these tests: real users of a real API server, known by client
// certificates, with the groups of config/officials/example-bindings.yaml.
var (
	ctx   context.Context
	env   *testenv.Env
	admin client.Client
	// kubeconfigs maps each user to the kubeconfig file the plugin is given.
	kubeconfigs = map[string]string{}
	// users maps each user to their groups.
	users = map[string][]string{
		"budi":           {"diskominfo:kepala-dinas"},
		"agus":           {"diskominfo:kepala-bidang-informatika"},
		"dewi":           {"diskominfo:kepala-seksi-ti-persandian"},
		"rina":           {"diskominfo:kepala-dinas", "diskominfo:kepala-bidang-informatika"},
		"pemohon-dinkes": {"opd:applicants"},
		"eko":            {"opd:applicants"},
		"hadi":           {"opd:applicants", "diskominfo:kepala-dinas"},
		"ratna":          {"diskominfo:auditors"},
	}
	// applicants file requests as these users.
	applicants = map[string]client.Client{}
)

// provisioningStandard is the time standard of the Provisioning step in these tests:
// with provisioning off, a fully approved request waits there and soon overruns it,
// which shows in the OVERDUE column. The officials keep the SOP's 10 minutes.
const provisioningStandard = 3 * time.Second

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	var cancel context.CancelFunc
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	ctrl.SetLogger(logr.Discard())
	// The messages' language follows the locale: the tests read English unless they
	// ask for Indonesian.
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		_ = os.Unsetenv(v)
	}

	var err error
	if env, err = testenv.Start(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func setup() error {
	admin = env.Client
	for role, group := range map[string]string{
		"subdomain-kepala-dinas":               "diskominfo:kepala-dinas",
		"subdomain-kepala-bidang-informatika":  "diskominfo:kepala-bidang-informatika",
		"subdomain-kepala-seksi-ti-persandian": "diskominfo:kepala-seksi-ti-persandian",
		"subdomain-applicant":                  "opd:applicants",
		"subdomain-auditor":                    "diskominfo:auditors",
	} {
		if err := env.BindGroup(ctx, role, group); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "kubectl-subdomain-test-")
	if err != nil {
		return err
	}
	for name, groups := range users {
		kc, err := env.Kubeconfig(name, groups...)
		if err != nil {
			return err
		}
		kubeconfigs[name] = filepath.Join(dir, name+".kubeconfig")
		if err := os.WriteFile(kubeconfigs[name], kc, 0o600); err != nil {
			return err
		}
	}
	for _, name := range []string{"pemohon-dinkes", "hadi"} {
		if applicants[name], _, err = env.User(name, users[name]...); err != nil {
			return err
		}
	}

	cfg := config.Default()
	cfg.TimeStandards.Provisioning = metav1.Duration{Duration: provisioningStandard}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: testenv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", Cache: controllers.CacheOptions(cfg, env.Config),
	})
	if err != nil {
		return err
	}
	r := &controllers.SubdomainRequestReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("subdomain-operator"),
		Config: cfg, Provisioning: false,
	}
	if err := r.SetupWithManager(ctx, mgr, 4); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return nil
}

// result is what one run of the plugin printed, and its error (non-nil: exit code 1).
type result struct {
	out, errOut string
	err         error
}

// kubectlSubdomain runs the plugin in-process as a user, as "kubectl subdomain ARGS".
func kubectlSubdomain(user string, args ...string) result {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := NewCommand(streams)
	cmd.SetArgs(append([]string{"--kubeconfig", kubeconfigs[user]}, args...))
	err := cmd.ExecuteContext(ctx)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

// mustRun runs the plugin and fails the test when it does not succeed.
func mustRun(t *testing.T, user string, args ...string) string {
	t.Helper()
	r := kubectlSubdomain(user, args...)
	if r.err != nil {
		t.Fatalf("kubectl subdomain %s as %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), user, r.err, r.out, r.errOut)
	}
	return r.out
}

// file creates a request as an applicant and waits until the operator recorded it.
func file(t *testing.T, as, name, unit, letter string) {
	t.Helper()
	create(t, as, newRequest(name, unit, letter), hostingv1.PhasePendingKepalaDinas)
}

// newRequest is a complete request as an applicant writes it, for subdomain name.
func newRequest(name, unit, letter string) *hostingv1.SubdomainRequest {
	return &hostingv1.SubdomainRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: hostingv1.SubdomainRequestSpec{
			Subdomain: name,
			Applicant: hostingv1.Applicant{
				Unit: unit, ContactName: "Siti Aminah", Position: "Kepala Subbagian Umum",
				NIP: "198001012005012001", Email: "dinkes@kuduskab.go.id", Phone: "+62291438713", Group: "opd:dinkes",
			},
			Letter:  hostingv1.Letter{Number: letter, Date: "2026-11-20"},
			Purpose: "Informasi layanan bagi masyarakat Kudus",
			Hosting: hostingv1.Hosting{Plan: hostingv1.PlanSmall, StarterSite: ptr.To(true)},
		},
	}
}

// create files a request as an applicant and waits until the operator put it in phase.
func create(t *testing.T, as string, sdr *hostingv1.SubdomainRequest, phase hostingv1.Phase) {
	t.Helper()
	if err := applicants[as].Create(ctx, sdr); err != nil {
		t.Fatalf("filing %s: %v", sdr.Name, err)
	}
	waitPhase(t, sdr.Name, phase)
}

func get(t *testing.T, name string) *hostingv1.SubdomainRequest {
	t.Helper()
	sdr := &hostingv1.SubdomainRequest{}
	if err := admin.Get(ctx, client.ObjectKey{Name: name}, sdr); err != nil {
		t.Fatalf("getting %s: %v", name, err)
	}
	return sdr
}

func waitPhase(t *testing.T, name string, phase hostingv1.Phase) {
	t.Helper()
	NewWithT(t).Eventually(func() hostingv1.Phase { return get(t, name).Status.Phase }).
		WithTimeout(20*time.Second).WithPolling(100*time.Millisecond).Should(Equal(phase), "phase of %s", name)
}

// table parses a table the plugin printed into rows of column name → cell.
func table(t *testing.T, out string) []map[string]string {
	t.Helper()
	sep := regexp.MustCompile(`\s{3,}`)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	header := sep.Split(strings.TrimSpace(lines[0]), -1)
	var rows []map[string]string
	for _, l := range lines[1:] {
		cells := sep.Split(strings.TrimSpace(l), -1)
		if len(cells) != len(header) {
			t.Fatalf("row %q has %d cells, the header %q has %d", l, len(cells), lines[0], len(header))
		}
		row := map[string]string{}
		for i, h := range header {
			row[h] = cells[i]
		}
		rows = append(rows, row)
	}
	return rows
}

// rowsNamed keeps the rows whose first column (NAME or STEP) starts with prefix, by name.
func rowsNamed(rows []map[string]string, column, prefix string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, r := range rows {
		if strings.HasPrefix(r[column], prefix) {
			out[r[column]] = r
		}
	}
	return out
}

func TestListAndWaitingForMe(t *testing.T) {
	g := NewWithT(t)
	file(t, "pemohon-dinkes", "lst-dinkes", "Dinas Kesehatan", "555/101/20.01/2026")
	file(t, "pemohon-dinkes", "lst-disdik", "Dinas Pendidikan dan Kebudayaan", "555/102/20.01/2026")
	file(t, "pemohon-dinkes", "lst-dishub", "Dinas Perhubungan", "555/103/20.01/2026")
	mustRun(t, "budi", "approve", "lst-disdik")
	mustRun(t, "budi", "approve", "lst-dishub")
	waitPhase(t, "lst-dishub", hostingv1.PhasePendingKepalaBidang)
	mustRun(t, "agus", "approve", "lst-dishub")
	waitPhase(t, "lst-disdik", hostingv1.PhasePendingKepalaBidang)
	waitPhase(t, "lst-dishub", hostingv1.PhasePendingKepalaSeksi)

	out := mustRun(t, "ratna", "list")
	t.Logf("kubectl subdomain list:\n%s", out)
	g.Expect(strings.Split(out, "\n")[0]).To(MatchRegexp(`^NAME\s+SUBDOMAIN\s+UNIT\s+PHASE\s+WAITING FOR\s+AGE\s+OVERDUE$`))
	rows := rowsNamed(table(t, out), "NAME", "lst-")
	g.Expect(rows).To(HaveLen(3))
	want := map[string][3]string{
		"lst-dinkes": {"Dinas Kesehatan", "PendingKepalaDinas", "Kepala Dinas"},
		"lst-disdik": {"Dinas Pendidikan dan Kebudayaan", "PendingKepalaBidang", "Kepala Bidang Informatika"},
		"lst-dishub": {"Dinas Perhubungan", "PendingKepalaSeksi", "Kepala Seksi TI dan Persandian"},
	}
	for name, w := range want {
		r := rows[name]
		g.Expect(r["SUBDOMAIN"]).To(Equal(name))
		g.Expect(r["UNIT"]).To(Equal(w[0]), name)
		g.Expect(r["PHASE"]).To(Equal(w[1]), name)
		g.Expect(r["WAITING FOR"]).To(Equal(w[2]), name)
		g.Expect(r["AGE"]).To(MatchRegexp(`^\d+s$`), name)
		g.Expect(r["OVERDUE"]).To(Equal("-"), name)
	}

	// Each official sees only what waits for the roles they hold.
	mine := func(user string) (names []string, all []map[string]string) {
		out := mustRun(t, user, "list", "--waiting-for-me")
		t.Logf("kubectl subdomain list --waiting-for-me (as %s):\n%s", user, out)
		all = table(t, out)
		for name := range rowsNamed(all, "NAME", "lst-") {
			names = append(names, name)
		}
		slices.Sort(names)
		return names, all
	}
	names, all := mine("budi")
	g.Expect(names).To(Equal([]string{"lst-dinkes"}))
	for _, r := range all {
		g.Expect(r["WAITING FOR"]).To(Equal("Kepala Dinas"), "budi sees only requests waiting for the Kepala Dinas")
	}
	names, _ = mine("agus")
	g.Expect(names).To(Equal([]string{"lst-disdik"}))
	names, _ = mine("dewi")
	g.Expect(names).To(Equal([]string{"lst-dishub"}))
	names, _ = mine("rina")
	g.Expect(names).To(Equal([]string{"lst-dinkes", "lst-disdik"}))

	out = mustRun(t, "eko", "list", "--waiting-for-me")
	g.Expect(out).To(ContainSubstring("You hold none of the officials' roles"))
}

func TestApproveInOrderAndRefusals(t *testing.T) {
	g := NewWithT(t)
	const name = "apr-dinkes"
	file(t, "pemohon-dinkes", name, "Dinas Kesehatan", "555/111/20.01/2026")
	annotations := func() map[string]string { return get(t, name).Annotations }

	// The Kepala Bidang cannot go before the Kepala Dinas.
	r := kubectlSubdomain("agus", "approve", name)
	t.Logf("agus approving first:\n%s", r.errOut)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(HavePrefix("Refused: "))
	g.Expect(r.errOut).To(ContainSubstring("waits for the Kepala Dinas (kepala-dinas)"))
	g.Expect(r.errOut).To(ContainSubstring("You hold the role of Kepala Bidang Informatika"))
	g.Expect(annotations()).NotTo(HaveKey(HavePrefix(hostingv1.ApprovalAnnotationPrefix)))

	// An applicant without any role is told whom to ask.
	r = kubectlSubdomain("eko", "approve", name)
	t.Logf("eko approving:\n%s", r.errOut)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(HavePrefix("Refused: "))
	g.Expect(r.errOut).To(ContainSubstring("you (eko) do not hold that role"))
	g.Expect(r.errOut).To(ContainSubstring("ask the platform team to add you to the group bound to ClusterRole subdomain-kepala-dinas"))

	// The three officials, in order; each annotation carries the approver's own name.
	out := mustRun(t, "budi", "approve", name)
	g.Expect(out).To(ContainSubstring("Approved: you (budi) approved apr-dinkes as Kepala Dinas"))
	g.Expect(out).To(ContainSubstring("Next: Kepala Bidang Informatika"))
	g.Expect(annotations()).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaDinas), "budi"))
	waitPhase(t, name, hostingv1.PhasePendingKepalaBidang)

	r = kubectlSubdomain("budi", "approve", name)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(ContainSubstring("waits for the Kepala Bidang Informatika"))

	out = mustRun(t, "agus", "approve", name)
	g.Expect(out).To(ContainSubstring("as Kepala Bidang Informatika"))
	g.Expect(annotations()).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaBidangInformatika), "agus"))
	waitPhase(t, name, hostingv1.PhasePendingKepalaSeksi)

	out = mustRun(t, "dewi", "approve", name)
	g.Expect(out).To(ContainSubstring("as Kepala Seksi TI dan Persandian"))
	g.Expect(out).To(ContainSubstring("All three officials have approved"))
	g.Expect(annotations()).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaSeksiTIPersandian), "dewi"))
	waitPhase(t, name, hostingv1.PhaseApproved)

	r = kubectlSubdomain("dewi", "approve", name)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(ContainSubstring("Refused: all three officials have already approved"))

	// The timeline names the three officials.
	var desc string
	g.Eventually(func() string {
		desc = mustRun(t, "pemohon-dinkes", "describe", name)
		return desc
	}).WithTimeout(20 * time.Second).Should(MatchRegexp(`KepalaSeksi\s+Done`))
	t.Logf("kubectl subdomain describe %s:\n%s", name, desc)
	for _, want := range []string{
		"Subdomain:     apr-dinkes", "Unit:          Dinas Kesehatan",
		"Contact:       Siti Aminah (Kepala Subbagian Umum), dinkes@kuduskab.go.id, +62291438713",
		"Letter:        555/111/20.01/2026 of 2026-11-20", "Phase:         Approved",
		"Waiting for:   the operator (technical staff)", "Requested by:  pemohon-dinkes",
	} {
		g.Expect(desc).To(ContainSubstring(want))
	}
	steps := rowsNamed(table(t, desc[strings.Index(desc, "STEP"):]), "STEP", "")
	for step, w := range map[string][2]string{
		"Submission":   {"applicant", "pemohon-dinkes"},
		"KepalaDinas":  {"Kepala Dinas", "budi"},
		"KepalaBidang": {"Kepala Bidang Informatika", "agus"},
		"KepalaSeksi":  {"Kepala Seksi TI dan Persandian", "dewi"},
	} {
		g.Expect(steps[step]["OFFICIAL"]).To(Equal(w[0]), step)
		g.Expect(steps[step]["BY"]).To(Equal(w[1]), step)
		g.Expect(steps[step]["STATE"]).To(Equal("Done"), step)
		g.Expect(steps[step]["DECIDED AT"]).To(MatchRegexp(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`), step)
		g.Expect(steps[step]["TOOK"]).To(MatchRegexp(`^\d+s$`), step)
	}
	for _, step := range []string{"KepalaDinas", "KepalaBidang", "KepalaSeksi"} {
		g.Expect(steps[step]["STANDARD"]).To(Equal("10m"), step)
		g.Expect(steps[step]["BREACHED"]).To(Equal("no"), step)
	}
	g.Expect(steps["Provisioning"]["STATE"]).To(Equal("Waiting"))

	// Approved and waiting for the operator, which is not provisioning in this test:
	// past the Provisioning step's 3s standard it shows as overdue.
	var list string
	g.Eventually(func() string {
		list = mustRun(t, "ratna", "list")
		return rowsNamed(table(t, list), "NAME", name)[name]["OVERDUE"]
	}).WithTimeout(20 * time.Second).Should(MatchRegexp(`^Provisioning \(\+\d+s\)$`))
	t.Logf("kubectl subdomain list, with an overdue step:\n%s", list)
}

func TestServerRefusalsInPlainWords(t *testing.T) {
	g := NewWithT(t)

	// Rina holds two roles; the API server lets her fill only one step.
	file(t, "pemohon-dinkes", "srv-twice", "Dinas Kesehatan", "555/121/20.01/2026")
	mustRun(t, "rina", "approve", "srv-twice")
	r := kubectlSubdomain("rina", "approve", "srv-twice")
	t.Logf("rina approving twice:\n%s", r.errOut)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(Equal("Refused: rina already approved this request as kepala-dinas; one person cannot fill two steps\n" +
		"Another Kepala Bidang Informatika must approve it: one person fills only one step of the SOP.\n"))

	// Hadi filed a request and holds the Kepala Dinas role: he cannot approve his own.
	file(t, "hadi", "srv-own", "Bagian Organisasi", "555/122/20.01/2026")
	r = kubectlSubdomain("hadi", "approve", "srv-own")
	t.Logf("hadi approving his own request:\n%s", r.errOut)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(Equal("Refused: the applicant cannot approve their own request\n" +
		"Another Kepala Dinas must approve it: the applicant never approves their own request.\n"))
	g.Expect(get(t, "srv-own").Annotations).NotTo(HaveKey(hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaDinas)))

	r = kubectlSubdomain("budi", "approve", "no-such-request")
	g.Expect(r.err).To(MatchError(ContainSubstring(`there is no SubdomainRequest named "no-such-request"`)))
}

func TestReturnedToApplicant(t *testing.T) {
	g := NewWithT(t)
	const name = "ret-dinkes"
	// "mail" is on the platform's reserved list: the request goes back to the applicant.
	sdr := newRequest(name, "Dinas Kesehatan", "555/141/20.01/2026")
	sdr.Spec.Subdomain = "mail"
	create(t, "pemohon-dinkes", sdr, hostingv1.PhaseReturnedToApplicant)
	row := rowsNamed(table(t, mustRun(t, "ratna", "list")), "NAME", name)[name]
	g.Expect(row["WAITING FOR"]).To(Equal("applicant"))

	// The Kepala Dinas and the Kepala Bidang may still decide; the Kepala Seksi may not.
	mustRun(t, "budi", "approve", name)
	mustRun(t, "agus", "approve", name)
	r := kubectlSubdomain("dewi", "approve", name)
	t.Logf("dewi approving a returned request:\n%s", r.errOut)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(Equal("Refused: the requested name is taken and the request is back with the applicant (phase ReturnedToApplicant); " +
		"approve once the applicant has chosen another name and the operator has checked it\n" +
		"The request waits for the applicant.\n"))
	desc := mustRun(t, "pemohon-dinkes", "describe", name)
	t.Logf("kubectl subdomain describe %s:\n%s", name, desc)
	g.Expect(desc).To(ContainSubstring("Phase:         ReturnedToApplicant"))
	g.Expect(desc).To(ContainSubstring("Returned to the applicant: "))
	g.Expect(desc).To(MatchRegexp(`KepalaSeksi\s+Returned\s+Kepala Seksi TI dan Persandian`))

	// The applicant picks another name, as the guide says; then the Kepala Seksi approves.
	base := get(t, name)
	renamed := base.DeepCopy()
	renamed.Spec.Subdomain = name
	g.Expect(applicants["pemohon-dinkes"].Patch(ctx, renamed, client.MergeFrom(base))).To(Succeed())
	waitPhase(t, name, hostingv1.PhasePendingKepalaSeksi)
	g.Expect(mustRun(t, "dewi", "approve", name)).To(ContainSubstring("All three officials have approved"))
	waitPhase(t, name, hostingv1.PhaseApproved)
}

func TestReject(t *testing.T) {
	g := NewWithT(t)
	const name = "rej-disdik"
	file(t, "pemohon-dinkes", name, "Dinas Pendidikan dan Kebudayaan", "555/131/20.01/2026")

	r := kubectlSubdomain("budi", "reject", name)
	g.Expect(r.err).To(MatchError(ContainSubstring(`required flag(s) "reason" not set`)))
	r = kubectlSubdomain("budi", "reject", name, "--reason", "  ")
	g.Expect(r.err).To(MatchError(ContainSubstring("a rejection needs a reason")))

	const reason = "Surat permohonan belum ditandatangani kepala OPD"
	out := mustRun(t, "budi", "reject", name, "--reason", reason)
	g.Expect(out).To(ContainSubstring("Rejected: you (budi) rejected rej-disdik as Kepala Dinas."))
	g.Expect(out).To(ContainSubstring("Reason: " + reason))
	ann := get(t, name).Annotations
	g.Expect(ann).To(HaveKeyWithValue(hostingv1.RejectionAnnotation(hostingv1.RoleKepalaDinas), "budi"))
	g.Expect(ann).To(HaveKeyWithValue(hostingv1.RejectionReasonAnnotation, reason))
	waitPhase(t, name, hostingv1.PhaseRejected)

	desc := mustRun(t, "agus", "describe", name)
	t.Logf("kubectl subdomain describe %s:\n%s", name, desc)
	g.Expect(desc).To(ContainSubstring("Phase:         Rejected"))
	g.Expect(desc).To(ContainSubstring("Waiting for:   nobody"))
	g.Expect(desc).To(MatchRegexp(`KepalaDinas\s+Rejected\s+Kepala Dinas\s+budi`))
	g.Expect(desc).To(ContainSubstring("Rejected by budi (Kepala Dinas). Reason: " + reason))

	r = kubectlSubdomain("agus", "approve", name)
	g.Expect(r.err).To(HaveOccurred())
	g.Expect(r.errOut).To(ContainSubstring("Refused: rej-disdik was already rejected by budi as Kepala Dinas: " + reason))
	g.Expect(r.errOut).To(ContainSubstring("A rejected request is final"))
}

func TestRegister(t *testing.T) {
	g := NewWithT(t)
	file(t, "pemohon-dinkes", "reg-dinkes", "Dinas Kesehatan", "555/201/20.01/2026")
	file(t, "pemohon-dinkes", "reg-disdik", "Dinas Pendidikan dan Kebudayaan", "555/202/20.01/2026")
	file(t, "pemohon-dinkes", "reg-dishub", "Dinas Perhubungan", "555/203/20.01/2026")
	for _, who := range []string{"budi", "agus", "dewi"} {
		mustRun(t, who, "approve", "reg-dinkes")
	}
	mustRun(t, "budi", "reject", "reg-disdik", "--reason", "Nomor surat tidak terdaftar")
	waitPhase(t, "reg-dinkes", hostingv1.PhaseApproved)
	waitPhase(t, "reg-disdik", hostingv1.PhaseRejected)
	g.Eventually(func() *metav1.Time {
		return get(t, "reg-dinkes").Status.Steps[3].DecidedAt
	}).WithTimeout(20 * time.Second).ShouldNot(BeNil())

	// CSV, read back with encoding/csv.
	out := mustRun(t, "ratna", "register", "--output", "csv")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(records[0]).To(Equal(registerFields))
	rows := map[string]map[string]string{}
	var sample []string
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, f := range records[0] {
			row[f] = rec[i]
		}
		if strings.HasPrefix(row["name"], "reg-") {
			rows[row["name"]] = row
			sample = append(sample, strings.Join(rec, ","))
		}
	}
	t.Logf("kubectl subdomain register --output csv (the reg- rows):\n%s\n%s", strings.Join(records[0], ","), strings.Join(sample, "\n"))
	g.Expect(rows).To(HaveLen(3))

	dinkes := rows["reg-dinkes"]
	g.Expect(dinkes["letterNumber"]).To(Equal("555/201/20.01/2026"))
	g.Expect(dinkes["letterDate"]).To(Equal("2026-11-20"))
	g.Expect(dinkes["unit"]).To(Equal("Dinas Kesehatan"))
	g.Expect(dinkes["contact"]).To(Equal("Siti Aminah <dinkes@kuduskab.go.id>"))
	g.Expect(dinkes["subdomain"]).To(Equal("reg-dinkes"))
	g.Expect(dinkes["requestedBy"]).To(Equal("pemohon-dinkes"))
	g.Expect(dinkes["kepalaDinas"]).To(Equal("budi"))
	g.Expect(dinkes["kepalaBidang"]).To(Equal("agus"))
	g.Expect(dinkes["kepalaSeksi"]).To(Equal("dewi"))
	created := mustTime(t, dinkes["created"])
	prev := created
	for _, f := range []string{"kepalaDinasDecidedAt", "kepalaBidangDecidedAt", "kepalaSeksiDecidedAt"} {
		at := mustTime(t, dinkes[f])
		g.Expect(at).NotTo(BeTemporally("<", prev), f)
		prev = at
	}
	g.Expect(dinkes["provisionedAt"]).To(BeEmpty())
	g.Expect(dinkes["result"]).To(Equal("Approved"))
	g.Expect(dinkes["url"]).To(BeEmpty())

	disdik := rows["reg-disdik"]
	g.Expect(disdik["unit"]).To(Equal("Dinas Pendidikan dan Kebudayaan"))
	g.Expect(disdik["letterNumber"]).To(Equal("555/202/20.01/2026"))
	g.Expect(disdik["kepalaDinas"]).To(Equal("budi"))
	mustTime(t, disdik["kepalaDinasDecidedAt"])
	g.Expect(disdik["kepalaBidang"]).To(BeEmpty())
	g.Expect(disdik["result"]).To(Equal("Rejected"))

	dishub := rows["reg-dishub"]
	g.Expect(dishub["letterNumber"]).To(Equal("555/203/20.01/2026"))
	g.Expect([]string{dishub["kepalaDinas"], dishub["kepalaBidang"], dishub["kepalaSeksi"]}).To(Equal([]string{"", "", ""}))
	g.Expect(dishub["result"]).To(Equal("PendingKepalaDinas"))

	// JSON: the same fields and values.
	out = mustRun(t, "ratna", "register", "--output", "json")
	var objs []map[string]string
	g.Expect(json.Unmarshal([]byte(out), &objs)).To(Succeed())
	found := 0
	for _, o := range objs {
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		g.Expect(keys).To(ConsistOf(registerFields))
		if want, ok := rows[o["name"]]; ok {
			g.Expect(o).To(Equal(want))
			found++
		}
	}
	g.Expect(found).To(Equal(3))

	// Without --output: the table to read on the screen.
	out = mustRun(t, "ratna", "register")
	g.Expect(strings.Split(out, "\n")[0]).To(MatchRegexp(
		`^NAME\s+LETTER\s+UNIT\s+SUBDOMAIN\s+REQUESTED BY\s+CREATED\s+KEPALA DINAS\s+KEPALA BIDANG\s+KEPALA SEKSI\s+RESULT\s+URL$`))
	tableRows := rowsNamed(table(t, out), "NAME", "reg-")
	t.Logf("kubectl subdomain register (the reg- rows of the table):\n%v", tableRows)
	g.Expect(tableRows).To(HaveLen(3))
	g.Expect(tableRows["reg-dinkes"]).To(SatisfyAll(
		HaveKeyWithValue("LETTER", "555/201/20.01/2026"), HaveKeyWithValue("UNIT", "Dinas Kesehatan"),
		HaveKeyWithValue("REQUESTED BY", "pemohon-dinkes"), HaveKeyWithValue("KEPALA DINAS", "budi"),
		HaveKeyWithValue("KEPALA BIDANG", "agus"), HaveKeyWithValue("KEPALA SEKSI", "dewi"),
		HaveKeyWithValue("RESULT", "Approved"), HaveKeyWithValue("URL", "-")))
	g.Expect(tableRows["reg-disdik"]).To(SatisfyAll(
		HaveKeyWithValue("KEPALA DINAS", "budi"), HaveKeyWithValue("KEPALA BIDANG", "-"), HaveKeyWithValue("RESULT", "Rejected")))
	g.Expect(tableRows["reg-dishub"]).To(HaveKeyWithValue("RESULT", "PendingKepalaDinas"))
	g.Expect(mustRun(t, "ratna", "register", "--output", "table")).To(Equal(out))

	// --since: the day of creation includes them, the day after leaves nothing.
	day := created.Local().Format(time.DateOnly)
	next := created.Local().AddDate(0, 0, 1).Format(time.DateOnly)
	records, err = csv.NewReader(strings.NewReader(mustRun(t, "ratna", "register", "--output", "csv", "--since", day))).ReadAll()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(len(records)).To(BeNumerically(">=", 4))
	records, err = csv.NewReader(strings.NewReader(mustRun(t, "ratna", "register", "--output", "csv", "--since", next))).ReadAll()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(records).To(Equal([][]string{registerFields}))
	g.Expect(strings.TrimSpace(mustRun(t, "ratna", "register", "-o", "json", "--since", next))).To(Equal("[]"))

	r := kubectlSubdomain("ratna", "register", "--output", "csv", "--since", "20-11-2026")
	g.Expect(r.err).To(MatchError(ContainSubstring("--since must be a date written YYYY-MM-DD")))
	r = kubectlSubdomain("ratna", "register", "--output", "yaml")
	g.Expect(r.err).To(MatchError(ContainSubstring("--output must be table, csv or json")))
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%q is not an RFC 3339 time: %v", s, err)
	}
	return v
}

func TestRunExitCodes(t *testing.T) {
	g := NewWithT(t)
	streams, _, out, _ := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["ratna"], "list"}, streams)).To(Equal(0))
	g.Expect(out.String()).To(HavePrefix("NAME"))

	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["eko"], "approve", "lst-dinkes"}, streams)).To(Equal(1))
	g.Expect(errOut.String()).To(HavePrefix("Refused: "))

	streams, _, _, errOut = genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["ratna"], "frobnicate"}, streams)).To(Equal(1))
	g.Expect(errOut.String()).To(HavePrefix("Error: "))
}

func TestOverdue(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)
	at := func(hhmm string) *metav1.Time {
		v, err := time.Parse("15:04", hhmm)
		g.Expect(err).NotTo(HaveOccurred())
		return ptr.To(metav1.NewTime(time.Date(2026, 11, 20, v.Hour(), v.Minute(), 0, 0, time.UTC)))
	}
	steps := []hostingv1.Step{
		{Name: "Submission", State: hostingv1.StepStateDone, StartedAt: at("10:00"), DecidedAt: at("10:00"), Deadline: at("10:15")},
		// Decided 2 minutes after its deadline.
		{Name: "KepalaDinas", State: hostingv1.StepStateDone, StartedAt: at("10:00"), DecidedAt: at("10:12"), Deadline: at("10:10"), Breached: true},
		// Waiting 8 minutes past its deadline, not yet marked by the operator.
		{Name: "KepalaBidang", State: hostingv1.StepStateWaiting, StartedAt: at("10:12"), Deadline: at("10:22")},
		{Name: "KepalaSeksi", State: hostingv1.StepStateNotYet},
	}
	g.Expect(overdue(steps, now)).To(Equal("KepalaDinas (+2m), KepalaBidang (+8m)"))
	g.Expect(overdue(steps[:1], now)).To(BeEmpty())
	g.Expect(overdue([]hostingv1.Step{{Name: "KepalaSeksi", Breached: true}}, now)).To(Equal("KepalaSeksi"))
}

func TestStandardText(t *testing.T) {
	g := NewWithT(t)
	g.Expect(standardText(&metav1.Duration{Duration: 10 * time.Minute})).To(Equal("10m"))
	g.Expect(standardText(&metav1.Duration{Duration: time.Hour})).To(Equal("1h"))
	g.Expect(standardText(&metav1.Duration{Duration: 90 * time.Second})).To(Equal("1m30s"))
	g.Expect(standardText(nil)).To(Equal("-"))
}
