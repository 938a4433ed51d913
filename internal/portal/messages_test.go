package portal

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// crdMessages walks the CRD's schema and returns every validation rule's message, by
// the field path it is on.
func crdMessages(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "crd", "bases", "hosting.kuduskab.go.id_subdomainrequests.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd map[string]any
	if err := sigsyaml.Unmarshal(data, &crd); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	var walk func(path string, schema map[string]any)
	walk = func(path string, schema map[string]any) {
		if rules, ok := schema["x-kubernetes-validations"].([]any); ok {
			for _, r := range rules {
				if m, ok := r.(map[string]any)["message"].(string); ok {
					out[path] = append(out[path], m)
				}
			}
		}
		if props, ok := schema["properties"].(map[string]any); ok {
			for name, sub := range props {
				p := name
				if path != "" {
					p = path + "." + name
				}
				walk(p, sub.(map[string]any))
			}
		}
	}
	versions := crd["spec"].(map[string]any)["versions"].([]any)
	for _, v := range versions {
		schema := v.(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)
		walk("", schema)
	}
	return out
}

// Every message of the CRD's validation rules on the form has an Indonesian text.
func TestEveryCRDMessageIsTranslated(t *testing.T) {
	msgs := crdMessages(t)
	if len(msgs["spec.applicant.nip"]) == 0 || len(msgs["spec.subdomain"]) < 5 {
		t.Fatalf("the CRD's messages were not found: %v", msgs)
	}
	for path, list := range msgs {
		if strings.HasPrefix(path, "status") {
			continue
		}
		for _, m := range list {
			if _, ok := translate(`Invalid value: "string": ` + m); !ok {
				t.Errorf("%s: no Indonesian text for %q", path, m)
			}
		}
	}
}

// The messages built by expressions (in the CRD and the admission policies), and the
// schema's generic ones.
func TestTranslate(t *testing.T) {
	for message, want := range map[string]string{
		`Invalid value: "string": spec.subdomain must be lowercase: write "dinkes", not "Dinkes"`:                                                                                                     `Subdomain harus huruf kecil: tulis "dinkes", bukan "Dinkes".`,
		`Invalid value: "string": spec.letter.date 2026-02-31 is not a date in the calendar`:                                                                                                          `Tanggal surat 2026-02-31 tidak ada di kalender.`,
		`spec.applicant.group opd:Dinkes does not follow the platform group naming ^opd:[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (e.g. opd:dinkes); ask Diskominfo for the group of your unit`:                  `Grup opd:Dinkes tidak mengikuti penamaan grup platform ^opd:[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (misalnya opd:dinkes); tanyakan grup unit Anda kepada Diskominfo.`,
		`spec.subdomain can change after the first approval only while the request is returned to the applicant because the name is taken (phase ReturnedToApplicant); it is now PendingKepalaBidang`: `Subdomain hanya dapat diganti setelah persetujuan pertama selama permohonan dikembalikan kepada pemohon karena namanya sudah dipakai; posisi permohonan sekarang: PendingKepalaBidang.`,
		`Too long: may not be more than 57 bytes`:                                        `Terlalu panjang: paling banyak 57 karakter.`,
		`Invalid value: "": spec.applicant.unit in body should be at least 1 chars long`: `Wajib diisi.`,
		`Unsupported value: "huge": supported values: "small", "medium", "large"`:        `Pilihan "huge" tidak dikenal; pilihannya: "small", "medium", "large".`,
	} {
		got, ok := translate(message)
		if !ok || got != want {
			t.Errorf("translate(%q) = %q, %v; want %q", message, got, ok, want)
		}
	}
}

// A refusal is sorted into the form's fields; what no rule knows is kept as the
// server's own sentence, in the general list.
func TestExplainRefusal(t *testing.T) {
	g := NewWithT(t)
	gk := hostingv1.GroupVersion.WithKind("SubdomainRequest").GroupKind()
	err := apierrors.NewInvalid(gk, "dinkes", nil)
	err.ErrStatus.Details.Causes = []metav1.StatusCause{
		{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.applicant.nip",
			Message: `Invalid value: "string": spec.applicant.nip must be exactly 18 digits, without spaces`},
		{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.letter.date", Message: `Invalid value: "string": something new`},
		{Type: metav1.CauseTypeFieldValueInvalid, Field: "spec.unknown", Message: `Invalid value: "string": a brand new rule`},
	}
	r := explainRefusal(indonesian, err)
	g.Expect(r.Fields).To(Equal(map[string][]string{"nip": {"NIP harus tepat 18 angka, tanpa spasi."}, "letterDate": {"something new"}}))
	g.Expect(r.General).To(Equal([]string{"a brand new rule"}))
	r = explainRefusal(english, err)
	g.Expect(r.Fields["nip"]).To(Equal([]string{"spec.applicant.nip must be exactly 18 digits, without spaces"}))

	policy := apierrors.NewForbidden(hostingv1.GroupVersion.WithResource("subdomainrequests").GroupResource(), "dinkes",
		errors.New("ValidatingAdmissionPolicy 'subdomainrequest-form.hosting.kuduskab.go.id' with binding 'x' denied request: "+
			"spec.applicant.group opd:x y does not follow the platform group naming ^opd:$ (e.g. opd:dinkes); ask Diskominfo for the group of your unit"))
	r = explainRefusal(indonesian, policy)
	g.Expect(r.Fields).To(HaveKey("group"))
	g.Expect(r.General).To(BeEmpty())
}

// Both languages of every page text take the same arguments.
func TestCatalogue(t *testing.T) {
	verbs := regexp.MustCompile(`%[-+# 0-9.\[\]]*[a-zA-Z%]`)
	for key, m := range catalogue {
		id, en := verbs.FindAllString(m.id, -1), verbs.FindAllString(m.en, -1)
		if strings.Join(id, " ") != strings.Join(en, " ") {
			t.Errorf("%s: the Indonesian text takes %v, the English %v", key, id, en)
		}
	}
}
