package plugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// manifest is a request as the applicants' guide shows it, for name; the lines are
// numbered in the comments the tests refer to.
func manifest(name string) string {
	return `apiVersion: hosting.kuduskab.go.id/v1alpha1
kind: SubdomainRequest
metadata:
  name: ` + name + `
spec:
  # Nama yang diminta.
  subdomain: ` + name + `
  applicant:
    unit: Dinas Kesehatan Kabupaten Kudus
    contactName: Siti Aminah
    position: Kepala Subbagian Umum dan Kepegawaian
    nip: "198001012005012001"
    email: dinkes@kuduskab.go.id
    phone: "+62291438713"
    group: opd:dinkes
  letter:
    number: 555/123/20.01/2026
    date: "2026-11-20"
  purpose: Informasi layanan kesehatan bagi masyarakat Kabupaten Kudus
  hosting:
    plan: small
    starterSite: true
  deletionPolicy: Retain
`
}

// writeManifest writes a file into dir and returns its path.
func writeManifest(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// notStored asserts that a request does not exist.
func notStored(t *testing.T, name string) {
	t.Helper()
	err := admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("%s was stored (or could not be read: %v); check must store nothing", name, err)
	}
}

func TestCheckDuplicateKey(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	// Two subdomain: lines (7 and 24): kubectl would file "chk-dup-last" unnoticed.
	dup := strings.Replace(manifest("chk-dup"), "  deletionPolicy: Retain\n", "  deletionPolicy: Retain\n  subdomain: chk-dup-last\n", 1)
	path := writeManifest(t, dir, "permohonan.yaml", dup)

	r := kubectlSubdomain("pemohon-dinkes", "check", path)
	t.Logf("kubectl subdomain check (a duplicate key):\n%s%s", r.out, r.errOut)
	g.Expect(r.err).To(MatchError(errReported))
	g.Expect(r.out).To(BeEmpty())
	g.Expect(r.errOut).To(Equal(path + `:24: the key "subdomain" appears twice in spec (first at line 7); ` +
		"kubectl and most tools would silently keep only the last value: keep one\n" +
		path + ":1: not sent to the API server until the file is fixed\n" +
		"1 problem(s) found; fix them and run kubectl subdomain check again. Nothing was stored.\n"))
	notStored(t, "chk-dup")

	// The same in Indonesian, and without the API server (--local).
	r = kubectlSubdomain("pemohon-dinkes", "--lang", "id", "check", "--local", path)
	t.Logf("kubectl subdomain check --lang id --local:\n%s", r.errOut)
	g.Expect(r.err).To(MatchError(errReported))
	g.Expect(r.errOut).To(Equal(path + `:24: kunci "subdomain" ditulis dua kali di spec (pertama di baris 7); ` +
		"kubectl dan kebanyakan alat diam-diam hanya memakai nilai yang terakhir: sisakan satu\n" +
		"Ditemukan 1 masalah; perbaiki, lalu jalankan kubectl subdomain check lagi. Tidak ada yang disimpan.\n"))

	// In a second document, nested deeper, read from stdin: the line counts from the
	// top of the stream.
	nested := manifest("chk-ok-first") + "---\n" + strings.Replace(manifest("chk-dup2"), "    email: dinkes@kuduskab.go.id\n",
		"    email: dinkes@kuduskab.go.id\n    nip: \"198001012005012002\"\n", 1)
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString(nested)
	cmd := NewCommand(streams)
	cmd.SetArgs([]string{"--kubeconfig", kubeconfigs["pemohon-dinkes"], "check", "-"})
	g.Expect(cmd.ExecuteContext(ctx)).To(MatchError(errReported))
	t.Logf("kubectl subdomain check - (two documents):\n%s%s", out, errOut)
	g.Expect(out.String()).To(Equal("(stdin):1: chk-ok-first: OK, the API server accepts it (dry run: nothing was stored)\n"))
	g.Expect(errOut.String()).To(HavePrefix(`(stdin):38: the key "nip" appears twice in spec.applicant (first at line 36); `))
	notStored(t, "chk-ok-first")

	// Flow style and JSON: the key and the line, without the first occurrence.
	r = kubectlSubdomain("pemohon-dinkes", "check", "--local", writeManifest(t, dir, "flow.json",
		`{"apiVersion": "hosting.kuduskab.go.id/v1alpha1", "kind": "SubdomainRequest",
 "metadata": {"name": "chk-json"}, "spec": {"subdomain": "a", "subdomain": "b"}}`))
	g.Expect(r.errOut).To(ContainSubstring(`flow.json:2: the key "subdomain" appears twice in the same mapping; kubectl and most tools`))
}

func TestCheckDryRun(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()

	// A valid request passes the dry run, and nothing is stored.
	valid := writeManifest(t, dir, "permohonan-dinkes.yaml", manifest("chk-valid"))
	r := kubectlSubdomain("pemohon-dinkes", "check", valid)
	t.Logf("kubectl subdomain check (valid):\n%s%s", r.out, r.errOut)
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(valid + ":1: chk-valid: OK, the API server accepts it (dry run: nothing was stored)\n"))
	g.Expect(r.errOut).To(BeEmpty())
	notStored(t, "chk-valid")
	streams, _, _, _ := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["pemohon-dinkes"], "check", valid}, streams)).To(Equal(0))

	// A bad NIP: the CRD's own message, at the line of the field.
	badNIP := writeManifest(t, dir, "nip.yaml", strings.Replace(manifest("chk-nip"), `"198001012005012001"`, `"19800101"`, 1))
	r = kubectlSubdomain("pemohon-dinkes", "check", badNIP)
	t.Logf("kubectl subdomain check (bad NIP):\n%s", r.errOut)
	g.Expect(r.err).To(MatchError(errReported))
	g.Expect(r.errOut).To(HavePrefix(badNIP + `:12: chk-nip: the API server refuses it: spec.applicant.nip: Invalid value: "19800101": ` +
		"spec.applicant.nip must be exactly 18 digits, without spaces\n"))
	notStored(t, "chk-nip")
	streams, _, _, _ = genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", kubeconfigs["pemohon-dinkes"], "check", badNIP}, streams)).To(Equal(1))

	// An unquoted NIP: the server's message and the hint to quote it.
	unquoted := writeManifest(t, dir, "unquoted.yaml", strings.Replace(manifest("chk-unq"), `"198001012005012001"`, `198001012005012001`, 1))
	r = kubectlSubdomain("pemohon-dinkes", "--lang", "id", "check", unquoted)
	t.Logf("kubectl subdomain check --lang id (unquoted NIP):\n%s", r.errOut)
	g.Expect(r.errOut).To(ContainSubstring(unquoted + ":12: chk-unq: server API menolaknya: spec.applicant.nip: "))
	g.Expect(r.errOut).To(ContainSubstring(unquoted + `:12: tulis nilai itu di antara tanda petik, misalnya nip: "198001012005012001"`))

	// A mistyped field: the server's strict field validation, at its line.
	typo := writeManifest(t, dir, "typo.yaml", strings.Replace(manifest("chk-typo"), "  purpose:", "  purpse:", 1))
	r = kubectlSubdomain("pemohon-dinkes", "check", typo)
	t.Logf("kubectl subdomain check (a mistyped field):\n%s", r.errOut)
	g.Expect(r.err).To(MatchError(errReported))
	g.Expect(r.errOut).To(ContainSubstring(typo + `:19: chk-typo: the API server refuses it: `))
	g.Expect(r.errOut).To(ContainSubstring(`unknown field "spec.purpse"`))

	// Several documents: an admission policy's refusal, as the server words it, and a
	// document that is not a request.
	carrying := strings.Replace(manifest("chk-carry"), "metadata:\n  name: chk-carry\n",
		"metadata:\n  name: chk-carry\n  annotations:\n    approval.hosting.kuduskab.go.id/kepala-dinas: budi\n", 1)
	multi := writeManifest(t, dir, "semua.yaml", manifest("chk-multi")+"---\n"+carrying+"---\n# a comment only\n---\n"+
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
	r = kubectlSubdomain("pemohon-dinkes", "check", multi)
	t.Logf("kubectl subdomain check (three documents):\n%s%s", r.out, r.errOut)
	g.Expect(r.err).To(MatchError(errReported))
	g.Expect(r.out).To(Equal(multi + ":1: chk-multi: OK, the API server accepts it (dry run: nothing was stored)\n"))
	g.Expect(r.errOut).To(ContainSubstring(multi + ":25: chk-carry: the API server refuses it: a new SubdomainRequest cannot carry approvals or rejections"))
	g.Expect(r.errOut).To(ContainSubstring(multi + ":53: a ConfigMap (v1), not a SubdomainRequest (hosting.kuduskab.go.id/v1alpha1)"))
	g.Expect(r.errOut).To(HaveSuffix("2 problem(s) found; fix them and run kubectl subdomain check again. Nothing was stored.\n"))
	notStored(t, "chk-multi")
	notStored(t, "chk-carry")

	// A request that exists: the change kubectl apply would make is checked instead.
	file(t, "pemohon-dinkes", "chk-exists", "Dinas Kesehatan", "555/701/20.01/2026")
	existing := writeManifest(t, dir, "ada.yaml", manifest("chk-exists"))
	r = kubectlSubdomain("pemohon-dinkes", "check", existing)
	t.Logf("kubectl subdomain check (an existing request):\n%s%s", r.out, r.errOut)
	g.Expect(r.err).NotTo(HaveOccurred())
	g.Expect(r.out).To(Equal(existing + ":1: chk-exists: OK, the request exists and the API server accepts this manifest as its new version (dry run: nothing was changed)\n"))
	g.Expect(get(t, "chk-exists").Spec.Letter.Number).To(Equal("555/701/20.01/2026"), "nothing changed")
	// After the first approval the spec cannot change: the policy says so.
	mustRun(t, "budi", "approve", "chk-exists")
	r = kubectlSubdomain("pemohon-dinkes", "check", existing)
	t.Logf("kubectl subdomain check (an approved request, changed):\n%s", r.errOut)
	g.Expect(r.err).To(MatchError(errReported))
	g.Expect(r.errOut).To(ContainSubstring(existing + ":1: chk-exists: the API server refuses it: the spec cannot change after the first approval"))

	// Files that cannot be read, or hold no request.
	r = kubectlSubdomain("pemohon-dinkes", "check", filepath.Join(dir, "missing.yaml"), writeManifest(t, dir, "empty.yaml", "# nothing\n"))
	g.Expect(r.errOut).To(ContainSubstring("missing.yaml: cannot read: "))
	g.Expect(r.errOut).To(ContainSubstring("empty.yaml: no request in the file\n"))
	r = kubectlSubdomain("pemohon-dinkes", "check")
	g.Expect(r.err).To(MatchError("requires at least 1 arg(s), only received 0"))

	// No API server: nothing is reported as checked.
	unreachable := writeManifest(t, dir, "unreachable.kubeconfig", `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`)
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	g.Expect(Run([]string{"--kubeconfig", unreachable, "check", valid}, streams)).To(Equal(1))
	g.Expect(out.String()).To(BeEmpty())
	g.Expect(errOut.String()).To(HavePrefix(valid + ":1: chk-valid: not checked, the API server did not answer (--local checks only for duplicate keys): "))
}

func TestCheckLocate(t *testing.T) {
	g := NewWithT(t)
	docs := splitDocuments("f.yaml", []byte(manifest("x")+"---\n"+manifest("y")))
	g.Expect(docs).To(HaveLen(2))
	g.Expect(docs[0].first).To(Equal(1))
	g.Expect(docs[1].start).To(Equal(25))
	g.Expect(docs[0].locate("spec.applicant.nip")).To(Equal(12))
	g.Expect(docs[0].locate(".spec.letter.date")).To(Equal(18))
	g.Expect(docs[0].locate("spec.hosting.plan")).To(Equal(21))
	g.Expect(docs[1].locate("spec.applicant.nip")).To(Equal(36))
	g.Expect(docs[0].locate("spec.applicant.missing")).To(Equal(8), "the deepest part found")
	g.Expect(docs[0].locate("status")).To(Equal(1))
	g.Expect(fieldPath("metadata.annotations[approval.hosting.kuduskab.go.id/kepala-dinas]")).
		To(Equal([]string{"metadata", "annotations", "approval.hosting.kuduskab.go.id/kepala-dinas"}))
	g.Expect(fieldPath("spec.items[0].name")).To(Equal([]string{"spec", "items"}))

	// A duplicate inside a list item is not confused with the same key in the item before.
	d := splitDocuments("f.yaml", []byte("items:\n- name: a\n  port: 1\n- name: b\n  port: 2\n  port: 3\n"))[0]
	line, parent, first := d.duplicate(6, "port")
	g.Expect([]any{line, parent, first}).To(Equal([]any{6, "items", 5}))
}
