package plugin

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// kubectlSubdomainEnv runs the plugin as a user with the given environment (for the
// locale), as "kubectl subdomain ARGS".
func kubectlSubdomainEnv(user string, env map[string]string, args ...string) result {
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd, _ := newCommand(streams, func(k string) string { return env[k] })
	cmd.SetArgs(append([]string{"--kubeconfig", kubeconfigs[user]}, args...))
	err := cmd.ExecuteContext(ctx)
	return result{out: out.String(), errOut: errOut.String(), err: err}
}

// decodeRequests decodes what -o json printed, with the scheme's universal
// deserializer: a v1 List of SubdomainRequests, or one.
func decodeRequests(t *testing.T, data []byte) []hostingv1.SubdomainRequest {
	t.Helper()
	g := NewWithT(t)
	decoder := serializer.NewCodecFactory(testenv.Scheme).UniversalDeserializer()
	obj, gvk, err := decoder.Decode(data, nil, nil)
	g.Expect(err).NotTo(HaveOccurred(), "decoding %s", data)
	switch o := obj.(type) {
	case *hostingv1.SubdomainRequest:
		return []hostingv1.SubdomainRequest{*o}
	case *corev1.List:
		var out []hostingv1.SubdomainRequest
		for _, raw := range o.Items {
			item, _, err := decoder.Decode(raw.Raw, nil, nil)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(item).To(BeAssignableToTypeOf(&hostingv1.SubdomainRequest{}))
			out = append(out, *item.(*hostingv1.SubdomainRequest))
		}
		return out
	}
	t.Fatalf("decoded a %v, not a SubdomainRequest or a List", gvk)
	return nil
}

// byName keeps the requests whose name starts with prefix.
func byName(items []hostingv1.SubdomainRequest, prefix string) map[string]hostingv1.SubdomainRequest {
	out := map[string]hostingv1.SubdomainRequest{}
	for _, it := range items {
		if strings.HasPrefix(it.Name, prefix) {
			out[it.Name] = it
		}
	}
	return out
}

func TestListAndDescribeOutputFormats(t *testing.T) {
	g := NewWithT(t)
	file(t, "pemohon-dinkes", "out-dinkes", "Dinas Kesehatan", "555/301/20.01/2026")
	file(t, "pemohon-dinkes", "out-disdik", "Dinas Pendidikan dan Kebudayaan", "555/302/20.01/2026")
	mustRun(t, "budi", "approve", "out-disdik")
	waitPhase(t, "out-disdik", hostingv1.PhasePendingKepalaBidang)
	stored := map[string]*hostingv1.SubdomainRequest{"out-dinkes": get(t, "out-dinkes"), "out-disdik": get(t, "out-disdik")}
	same := func(got map[string]hostingv1.SubdomainRequest) {
		t.Helper()
		g.Expect(got).To(HaveLen(len(stored)))
		for name, want := range stored {
			it := got[name]
			g.Expect(it.ResourceVersion).To(Equal(want.ResourceVersion), name)
			g.Expect(it.UID).To(Equal(want.UID), name)
			g.Expect(it.Annotations).To(Equal(want.Annotations), name)
			g.Expect(it.Spec).To(Equal(want.Spec), name)
			g.Expect(it.Status.Phase).To(Equal(want.Status.Phase), name)
			g.Expect(it.Status.Steps).To(HaveLen(len(want.Status.Steps)), name)
			g.Expect(it.ManagedFields).To(BeEmpty(), "managedFields are left out, as kubectl get does")
		}
	}

	// -o json: a v1 List, read back by the scheme's universal deserializer.
	js := mustRun(t, "ratna", "list", "-o", "json")
	g.Expect(js).To(HavePrefix("{\n"))
	var list map[string]any
	g.Expect(json.Unmarshal([]byte(js), &list)).To(Succeed())
	g.Expect(list).To(HaveKeyWithValue("apiVersion", "v1"))
	g.Expect(list).To(HaveKeyWithValue("kind", "List"))
	same(byName(decodeRequests(t, []byte(js)), "out-"))

	// ... and by kubectl itself: kubectl apply --dry-run=client reads the list and
	// prints the same objects back.
	apply := exec.Command(filepath.Join(testenv.RepoRoot(), "bin", "k8s", "kubectl"), "--kubeconfig", kubeconfigs["ratna"],
		"apply", "--dry-run=client", "-f", "-", "-o", "json")
	apply.Stdin = strings.NewReader(js)
	var applyErr bytes.Buffer
	apply.Stderr = &applyErr
	applied, err := apply.Output()
	g.Expect(err).NotTo(HaveOccurred(), "kubectl apply --dry-run=client: %s", applyErr.String())
	fromKubectl := byName(decodeRequests(t, applied), "out-")
	for name, it := range fromKubectl {
		// What kubectl apply adds: the manifest it applied, which is what -o json printed.
		last := it.Annotations["kubectl.kubernetes.io/last-applied-configuration"]
		g.Expect(last).To(ContainSubstring(`"name":"` + name + `"`))
		delete(it.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	}
	same(fromKubectl)
	g.Expect(len(decodeRequests(t, applied))).To(Equal(len(decodeRequests(t, []byte(js)))))

	// -o yaml: the same objects.
	y := mustRun(t, "ratna", "list", "-o", "yaml")
	g.Expect(y).To(HavePrefix("apiVersion: v1\nitems:\n"))
	fromYAML, err := sigsyaml.YAMLToJSON([]byte(y))
	g.Expect(err).NotTo(HaveOccurred())
	same(byName(decodeRequests(t, fromYAML), "out-"))

	// -o name, as kubectl get prints it; with --waiting-for-me only what waits for you.
	names := strings.Split(strings.TrimSpace(mustRun(t, "ratna", "list", "-o", "name")), "\n")
	g.Expect(names).To(ContainElements("subdomainrequest.hosting.kuduskab.go.id/out-dinkes", "subdomainrequest.hosting.kuduskab.go.id/out-disdik"))
	names = strings.Split(strings.TrimSpace(mustRun(t, "agus", "list", "--waiting-for-me", "-o", "name")), "\n")
	g.Expect(names).To(ContainElement("subdomainrequest.hosting.kuduskab.go.id/out-disdik"))
	g.Expect(names).NotTo(ContainElement("subdomainrequest.hosting.kuduskab.go.id/out-dinkes"))

	// jsonpath, as in kubectl get.
	g.Expect(mustRun(t, "ratna", "list", "-o", "jsonpath={.items[*].metadata.name}")).To(ContainSubstring("out-dinkes out-disdik"))

	// Someone without a role asking for -o json gets an empty List on stdout, the note on stderr.
	r := kubectlSubdomain("eko", "list", "--waiting-for-me", "-o", "json")
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(decodeRequests(t, []byte(r.out))).To(BeEmpty())
	g.Expect(r.errOut).To(ContainSubstring("You hold none of the officials' roles"))

	// -o wide: the table with who filed, the letter and the URL.
	wide := mustRun(t, "ratna", "list", "-o", "wide")
	t.Logf("kubectl subdomain list -o wide:\n%s", wide)
	g.Expect(strings.Split(wide, "\n")[0]).To(MatchRegexp(`^NAME\s+SUBDOMAIN\s+UNIT\s+PHASE\s+WAITING FOR\s+AGE\s+OVERDUE\s+REQUESTED BY\s+LETTER\s+URL$`))
	row := rowsNamed(table(t, wide), "NAME", "out-")["out-disdik"]
	g.Expect(row).To(SatisfyAll(HaveKeyWithValue("WAITING FOR", "Kepala Bidang Informatika"),
		HaveKeyWithValue("REQUESTED BY", "pemohon-dinkes"), HaveKeyWithValue("LETTER", "555/302/20.01/2026"), HaveKeyWithValue("URL", "-")))

	// An unknown format is refused before anything is asked.
	r = kubectlSubdomain("ratna", "list", "-o", "xml")
	g.Expect(r.err).To(MatchError(ContainSubstring(`--output must be empty (the table) or one of: wide, json, yaml`)))

	// describe: the same formats for one request.
	js = mustRun(t, "ratna", "describe", "out-disdik", "-o", "json")
	one := decodeRequests(t, []byte(js))
	g.Expect(one).To(HaveLen(1))
	g.Expect(one[0].Spec).To(Equal(stored["out-disdik"].Spec))
	g.Expect(one[0].ResourceVersion).To(Equal(stored["out-disdik"].ResourceVersion))
	y = mustRun(t, "ratna", "describe", "out-disdik", "-o", "yaml")
	g.Expect(y).To(HavePrefix("apiVersion: hosting.kuduskab.go.id/v1alpha1\nkind: SubdomainRequest\n"))
	fromYAML, err = sigsyaml.YAMLToJSON([]byte(y))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(decodeRequests(t, fromYAML)[0].Spec).To(Equal(stored["out-disdik"].Spec))
	g.Expect(mustRun(t, "ratna", "describe", "out-disdik", "-o", "name")).To(Equal("subdomainrequest.hosting.kuduskab.go.id/out-disdik\n"))
	desc := mustRun(t, "ratna", "describe", "out-disdik", "-o", "wide")
	t.Logf("kubectl subdomain describe out-disdik -o wide:\n%s", desc)
	g.Expect(desc).To(ContainSubstring("Waiting for:   Kepala Bidang Informatika (kepala-bidang-informatika)"))
	steps := rowsNamed(table(t, desc[strings.Index(desc, "STEP"):]), "STEP", "")
	g.Expect(steps["KepalaBidang"]["STARTED AT"]).To(MatchRegexp(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`))
	g.Expect(steps["KepalaBidang"]["DEADLINE"]).To(MatchRegexp(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`))
	g.Expect(steps["KepalaSeksi"]["STARTED AT"]).To(Equal("-"))
	// The default stays the description.
	g.Expect(mustRun(t, "ratna", "describe", "out-disdik")).To(HavePrefix("Name:          out-disdik\n"))
}

func TestNoNamespaceFlag(t *testing.T) {
	g := NewWithT(t)
	r := kubectlSubdomain("ratna", "-n", "x", "list")
	g.Expect(r.err).To(MatchError("unknown shorthand flag: 'n' in -n"))
	r = kubectlSubdomain("ratna", "list", "--namespace", "x")
	g.Expect(r.err).To(MatchError("unknown flag: --namespace"))

	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["ratna"], "describe", "-n", "x", "lst-dinkes"}, streams)).To(Equal(1))
	g.Expect(errOut.String()).To(Equal("Error: unknown shorthand flag: 'n' in -n\n"))

	cmd := NewCommand(streams)
	g.Expect(cmd.PersistentFlags().Lookup("namespace")).To(BeNil())
	g.Expect(cmd.PersistentFlags().ShorthandLookup("n")).To(BeNil())
	g.Expect(cmd.PersistentFlags().Lookup("kubeconfig")).NotTo(BeNil())
	g.Expect(cmd.PersistentFlags().Lookup("context")).NotTo(BeNil())
	g.Expect(cmd.PersistentFlags().Lookup("as")).NotTo(BeNil())
}

func TestCompletion(t *testing.T) {
	g := NewWithT(t)
	for shell, marker := range map[string]string{
		"bash": "__start_kubectl-subdomain", "zsh": "#compdef kubectl-subdomain",
		"fish": "complete -c kubectl-subdomain", "powershell": "Register-ArgumentCompleter",
	} {
		out := mustRun(t, "ratna", "completion", shell)
		g.Expect(out).To(ContainSubstring(marker), shell)
	}

	file(t, "pemohon-dinkes", "cmp-dinkes", "Dinas Kesehatan", "555/401/20.01/2026")
	file(t, "pemohon-dinkes", "cmp-disdik", "Dinas Pendidikan", "555/402/20.01/2026")
	mustRun(t, "budi", "reject", "cmp-disdik", "--reason", "Nomor surat tidak terdaftar")
	waitPhase(t, "cmp-disdik", hostingv1.PhaseRejected)

	// complete runs the hidden __complete command as the shells do: the candidates, one
	// a line (with a tab and a description), then ":" and the directive.
	complete := func(args ...string) []string {
		out := mustRun(t, "ratna", append([]string{"__complete"}, args...)...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		g.Expect(lines[len(lines)-1]).To(Equal(":4"), "no file completion after %v", args) // ShellCompDirectiveNoFileComp
		var words []string
		for _, l := range lines[:len(lines)-1] {
			words = append(words, strings.SplitN(l, "\t", 2)[0])
		}
		return words
	}
	g.Expect(complete("describe", "cmp-")).To(Equal([]string{"cmp-dinkes", "cmp-disdik"}))
	g.Expect(complete("approve", "cmp-")).To(Equal([]string{"cmp-dinkes"}), "only requests that wait for an official")
	g.Expect(complete("list", "-o", "")).To(ContainElements("wide", "json", "yaml", "name"))
	g.Expect(complete("--lang", "")).To(Equal([]string{"en", "id"}))
	g.Expect(complete("register", "-o", "")).To(Equal([]string{"table", "csv", "json"}))
	g.Expect(complete("")).To(ContainElements("approve", "check", "completion", "describe", "list", "register", "reject", "version"))
}

func TestVersion(t *testing.T) {
	g := NewWithT(t)
	g.Expect(mustRun(t, "ratna", "version", "--client")).To(Equal("Client Version: dev\n"))
	out := mustRun(t, "ratna", "version")
	t.Logf("kubectl subdomain version:\n%s", out)
	g.Expect(out).To(MatchRegexp(`^Client Version: dev\nServer Version: v1\.\d+\.\d+\S*\n$`))
	var info map[string]map[string]string
	g.Expect(json.Unmarshal([]byte(mustRun(t, "ratna", "version", "-o", "json")), &info)).To(Succeed())
	g.Expect(info["clientVersion"]).To(HaveKeyWithValue("version", "dev"))
	g.Expect(info["serverVersion"]).To(HaveKeyWithValue("gitVersion", HavePrefix("v1.")))
	g.Expect(mustRun(t, "ratna", "version", "-o", "yaml", "--client")).To(HavePrefix("clientVersion:\n"))
	g.Expect(kubectlSubdomainEnv("ratna", nil, "--lang", "id", "version").out).To(MatchRegexp(`^Versi Klien: dev\nVersi Server: v1\.`))

	// No API server: the plugin's version all the same, the reason on stderr, exit code 0.
	dir := t.TempDir()
	unreachable := filepath.Join(dir, "unreachable.kubeconfig")
	g.Expect(os.WriteFile(unreachable, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`), 0o600)).To(Succeed())
	streams, _, stdout, stderr := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", unreachable, "version"}, streams)).To(Equal(0))
	g.Expect(stdout.String()).To(Equal("Client Version: dev\n"))
	g.Expect(stderr.String()).To(HavePrefix("Server Version: unknown, the API server is not reachable: "))
}

// TestBuiltPlugin builds the plugin as make plugin-dist does (the version set with
// -ldflags -X) and runs it through kubectl, which finds it on the PATH: the version,
// the exit code of a refused flag, and completion through kubectl_complete-subdomain.
func TestBuiltPlugin(t *testing.T) {
	g := NewWithT(t)
	file(t, "pemohon-dinkes", "blt-dinkes", "Dinas Kesehatan", "555/601/20.01/2026")
	dir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "kubectl-subdomain"),
		"-ldflags", "-X github.com/kudus-diskominfo/subdomain-operator/internal/plugin.Version=v9.8.7", "./cmd/kubectl-subdomain")
	build.Dir = testenv.RepoRoot()
	out, err := build.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), "go build: %s", out)
	script, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "cmd", "kubectl-subdomain", "kubectl_complete-subdomain"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.WriteFile(filepath.Join(dir, "kubectl_complete-subdomain"), script, 0o755)).To(Succeed())

	kubectl := func(args ...string) (string, string, error) {
		cmd := exec.Command(filepath.Join(testenv.RepoRoot(), "bin", "k8s", "kubectl"), args...)
		cmd.Env = append(slices.DeleteFunc(os.Environ(), func(e string) bool { return strings.HasPrefix(e, "PATH=") }),
			"PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	stdout, stderr, err := kubectl("subdomain", "version", "--client")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(stdout).To(Equal("Client Version: v9.8.7\n"))

	_, stderr, err = kubectl("subdomain", "--kubeconfig", kubeconfigs["ratna"], "list", "-n", "x")
	g.Expect(err).To(HaveOccurred())
	g.Expect(err.(*exec.ExitError).ExitCode()).To(Equal(1))
	g.Expect(stderr).To(Equal("Error: unknown shorthand flag: 'n' in -n\n"))

	stdout, stderr, err = kubectl("__complete", "subdomain", "--kubeconfig", kubeconfigs["ratna"], "desc")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(stdout).To(MatchRegexp(`(?m)^describe\t`))
	stdout, stderr, err = kubectl("__complete", "subdomain", "--kubeconfig", kubeconfigs["ratna"], "describe", "blt-")
	g.Expect(err).NotTo(HaveOccurred(), stderr)
	g.Expect(stdout).To(Equal("blt-dinkes\tDinas Kesehatan\n:4\n"))
}

func TestLanguage(t *testing.T) {
	g := NewWithT(t)
	const name = "lng-dinkes"
	file(t, "pemohon-dinkes", name, "Dinas Kesehatan", "555/501/20.01/2026")
	file(t, "hadi", "lng-own", "Bagian Organisasi", "555/502/20.01/2026")

	// The same refusal, in English and in Indonesian.
	en := kubectlSubdomain("eko", "approve", name)
	g.Expect(en.err).To(HaveOccurred())
	g.Expect(en.errOut).To(Equal("Refused: lng-dinkes waits for the Kepala Dinas (kepala-dinas), and you (eko) do not hold that role\n" +
		"If you should decide as Kepala Dinas, ask the platform team to add you to the group bound to ClusterRole subdomain-kepala-dinas.\n"))
	id := kubectlSubdomain("eko", "--lang", "id", "approve", name)
	t.Logf("eko approving, --lang id:\n%s", id.errOut)
	g.Expect(id.err).To(HaveOccurred())
	g.Expect(id.errOut).To(Equal("Ditolak: lng-dinkes menunggu Kepala Dinas (kepala-dinas), dan Anda (eko) tidak memegang peran itu\n" +
		"Jika Anda seharusnya memutuskan sebagai Kepala Dinas, mintalah tim platform menambahkan akun Anda ke grup yang terhubung dengan ClusterRole subdomain-kepala-dinas.\n"))

	// The locale chooses when --lang is not given: LC_ALL, then LC_MESSAGES, then LANG.
	for _, env := range []map[string]string{
		{"LANG": "id_ID.UTF-8"}, {"LC_MESSAGES": "id_ID"}, {"LC_ALL": "id", "LANG": "en_US.UTF-8"},
	} {
		g.Expect(kubectlSubdomainEnv("eko", env, "approve", name).errOut).To(Equal(id.errOut), "%v", env)
	}
	for _, env := range []map[string]string{
		{"LANG": "en_US.UTF-8"}, {"LC_ALL": "C", "LANG": "id_ID.UTF-8"}, {"LC_MESSAGES": "de_DE", "LANG": "id_ID"}, {},
	} {
		g.Expect(kubectlSubdomainEnv("eko", env, "approve", name).errOut).To(Equal(en.errOut), "%v", env)
	}
	g.Expect(kubectlSubdomainEnv("eko", map[string]string{"LANG": "id_ID.UTF-8"}, "--lang", "en", "approve", name).errOut).To(Equal(en.errOut))
	g.Expect(kubectlSubdomain("eko", "--lang", "fr", "list").err).To(MatchError(`--lang must be en or id, not "fr"`))

	// A refusal of the API server: its message as it sent it, the hint translated.
	r := kubectlSubdomain("hadi", "--lang", "id", "approve", "lng-own")
	t.Logf("hadi approving his own request, --lang id:\n%s", r.errOut)
	g.Expect(r.errOut).To(Equal("Ditolak: the applicant cannot approve their own request\n" +
		"Kepala Dinas lain yang harus menyetujuinya: pemohon tidak pernah menyetujui permohonannya sendiri.\n"))

	// Decisions, the list and the description.
	out := mustRun(t, "budi", "--lang", "id", "approve", name)
	g.Expect(out).To(Equal("Disetujui: Anda (budi) menyetujui lng-dinkes sebagai Kepala Dinas (approval.hosting.kuduskab.go.id/kepala-dinas=budi).\n" +
		"Berikutnya: Kepala Bidang Informatika (kepala-bidang-informatika).\n"))
	waitPhase(t, name, hostingv1.PhasePendingKepalaBidang)
	out = mustRun(t, "agus", "--lang", "id", "reject", name, "--reason", "Surat belum ditandatangani")
	g.Expect(out).To(Equal("Penolakan dicatat: Anda (agus) menolak lng-dinkes sebagai Kepala Bidang Informatika.\n" +
		"Alasan: Surat belum ditandatangani\nPenolakan bersifat final; pemohon harus mengajukan permohonan baru.\n"))
	waitPhase(t, name, hostingv1.PhaseRejected)

	list := mustRun(t, "ratna", "--lang", "id", "list")
	t.Logf("kubectl subdomain list --lang id:\n%s", list)
	g.Expect(strings.Split(list, "\n")[0]).To(MatchRegexp(`^NAMA\s+SUBDOMAIN\s+UNIT\s+POSISI\s+MENUNGGU\s+USIA\s+TERLAMBAT$`))
	g.Expect(rowsNamed(table(t, list), "NAMA", name)[name]).To(HaveKeyWithValue("POSISI", "Rejected"))
	g.Expect(kubectlSubdomain("eko", "--lang", "id", "list", "--waiting-for-me").out).To(HavePrefix("Anda tidak memegang satu pun peran pejabat"))

	desc := mustRun(t, "pemohon-dinkes", "--lang", "id", "describe", name)
	t.Logf("kubectl subdomain describe %s --lang id:\n%s", name, desc)
	for _, want := range []string{
		"Nama:           lng-dinkes\n", "Narahubung:     Siti Aminah (Kepala Subbagian Umum), dinkes@kuduskab.go.id, +62291438713\n",
		"Surat:          555/501/20.01/2026 tanggal 2026-11-20\n", "Posisi:         Rejected\n", "Menunggu:       tidak ada\n",
		"Diajukan oleh:  pemohon-dinkes\n", "\nRiwayat:\n", "Ditolak oleh agus (Kepala Bidang Informatika). Alasan: Surat belum ditandatangani\n",
	} {
		g.Expect(desc).To(ContainSubstring(want))
	}
	g.Expect(desc).To(MatchRegexp(`LANGKAH\s+STATUS\s+PELAKSANA\s+OLEH\s+DIPUTUSKAN\s+LAMA\s+MUTU BAKU\s+TERLAMPAUI\n`))
	g.Expect(desc).To(MatchRegexp(`Submission\s+Done\s+pemohon\s+pemohon-dinkes\s+`))
	g.Expect(desc).To(MatchRegexp(`KepalaDinas\s+Done\s+Kepala Dinas\s+budi\s+.*\s+10m\s+tidak\n`))

	// Errors around the commands.
	r = kubectlSubdomain("budi", "--lang", "id", "describe", "no-such-request")
	g.Expect(r.err).To(MatchError(`tidak ada SubdomainRequest bernama "no-such-request" (lihat 'kubectl subdomain list')`))
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["ratna"], "--lang", "id", "register", "-o", "xml"}, streams)).To(Equal(1))
	g.Expect(errOut.String()).To(Equal("Kesalahan: --output harus table, csv, atau json, bukan \"xml\"\n"))
}

func TestDetectLanguage(t *testing.T) {
	g := NewWithT(t)
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, c := range []struct {
		flag string
		env  func(string) string
		want language
	}{
		{"", env(), english},
		{"", env("LANG", "id_ID.UTF-8"), indonesian},
		{"", env("LANG", "id"), indonesian},
		{"", env("LANG", "id-ID"), indonesian},
		{"", env("LANG", "ido"), english},
		{"", env("LANG", "C.UTF-8"), english},
		{"", env("LC_MESSAGES", "id_ID", "LANG", "en_US"), indonesian},
		{"", env("LC_ALL", "en_GB", "LC_MESSAGES", "id_ID"), english},
		{"id", env("LC_ALL", "en_GB"), indonesian},
		{"EN", env("LANG", "id_ID"), english},
	} {
		got, err := detectLanguage(c.flag, c.env)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got).To(Equal(c.want), "--lang %q", c.flag)
	}
	_, err := detectLanguage("jv", env())
	g.Expect(err).To(MatchError(`--lang must be en or id, not "jv"`))
}

// TestCatalogue checks that every message exists in both languages with the same
// arguments, and that the tables' headers have as many columns in both.
func TestCatalogue(t *testing.T) {
	g := NewWithT(t)
	verbs := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	kinds := func(s string) []string {
		var out []string
		for _, v := range verbs.FindAllString(s, -1) {
			out = append(out, v[len(v)-1:])
		}
		slices.Sort(out)
		return out
	}
	for key, m := range catalogue {
		g.Expect(m.en).NotTo(BeEmpty(), key)
		g.Expect(m.id).NotTo(BeEmpty(), key)
		g.Expect(kinds(m.id)).To(Equal(kinds(m.en)), "the arguments of %s", key)
		g.Expect(strings.Count(m.id, "\t")).To(Equal(strings.Count(m.en, "\t")), "the columns of %s", key)
	}
}
