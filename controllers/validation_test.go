package controllers

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var _ = Describe("A bad manifest", func() {
	DescribeTable("is refused by the API server with a message naming the field and the rule",
		func(edit func(*hostingv1.SubdomainRequest), want ...string) {
			s := newRequest(uniqueName("bad"))
			edit(s)
			err := applicant.Create(ctx, s)
			Expect(err).To(HaveOccurred())
			for _, w := range want {
				Expect(err.Error()).To(ContainSubstring(w))
			}
		},
		Entry("uppercase subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "Dinkes" },
			"spec.subdomain", "may contain only lowercase letters a-z, digits 0-9 and '-'"),
		Entry("underscored subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "din_kes" },
			"spec.subdomain", "may contain only lowercase letters a-z, digits 0-9 and '-'"),
		Entry("dotted subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "dinkes.kuduskab.go.id" },
			"spec.subdomain", "must be a single label without dots"),
		Entry("wildcard subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "*" },
			"spec.subdomain", "cannot be a wildcard"),
		Entry("empty subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "" },
			"spec.subdomain", "at least 1 chars long"),
		Entry("leading hyphen", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "-dinkes" },
			"spec.subdomain", "must start and end with a letter or digit"),
		Entry("trailing hyphen", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "dinkes-" },
			"spec.subdomain", "must start and end with a letter or digit"),
		Entry("58 characters", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = strings.Repeat("a", 58) },
			"spec.subdomain", "may not be more than 57"),
		Entry("punycode-style prefix", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "xn--dinkes" },
			"spec.subdomain", "reserved for internationalized names"),
		Entry("missing unit", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Unit = "" },
			"spec.applicant.unit"),
		Entry("missing contact name", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.ContactName = "" },
			"spec.applicant.contactName"),
		Entry("missing email", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "" },
			"spec.applicant.email"),
		Entry("missing letter number", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Number = "" },
			"spec.letter.number"),
		Entry("malformed email", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "dinkes at kuduskab" },
			"spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("malformed NIP", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.NIP = "19800101 2005" },
			"spec.applicant.nip", "must be exactly 18 digits"),
		Entry("malformed letter date", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "20/11/2026" },
			"spec.letter.date", "YYYY-MM-DD"),
		Entry("unknown plan", func(s *hostingv1.SubdomainRequest) { s.Spec.Hosting.Plan = "huge" },
			"spec.hosting.plan", `Unsupported value: "huge"`, `"small", "medium", "large"`),
		Entry("unknown deletion policy", func(s *hostingv1.SubdomainRequest) { s.Spec.DeletionPolicy = "Archive" },
			"spec.deletionPolicy", `Unsupported value: "Archive"`, `"Retain", "Delete"`),
	)

	It("an unquoted NIP (a YAML number) gets the schema's message, not a conversion error", func() {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "hosting.kuduskab.go.id/v1alpha1", "kind": "SubdomainRequest",
			"metadata": map[string]any{"name": uniqueName("nip-number")},
			"spec": map[string]any{"subdomain": uniqueName("nip"), "purpose": "x",
				"applicant": map[string]any{"unit": "u", "contactName": "c", "email": "a@kuduskab.go.id", "group": "g", "nip": int64(198001012005012001)},
				"letter":    map[string]any{"number": "1", "date": "2026-11-20"}},
		}}
		err := applicant.Create(ctx, u)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.applicant.nip: Invalid value"))
		Expect(err.Error()).To(ContainSubstring("must be of type string"))
	})

	It("a good manifest is accepted with the defaults filled in and the requester recorded by the server", func() {
		s := newRequest(uniqueName("good"))
		s.Spec.Hosting = hostingv1.Hosting{}
		s.Annotations = map[string]string{"note": "from the form"}
		Expect(applicant.Create(ctx, s)).To(Succeed())
		got := get(s.Name)
		Expect(got.Spec.Hosting.Plan).To(Equal(hostingv1.PlanSmall))
		Expect(got.Spec.Hosting.StarterSiteEnabled()).To(BeTrue())
		Expect(*got.Spec.Hosting.StarterSite).To(BeTrue())
		Expect(got.Spec.DeletionPolicy).To(Equal(hostingv1.DeletionPolicyRetain))
		Expect(got.Annotations).To(HaveKeyWithValue(hostingv1.RequestedByAnnotation, "pemohon-dinkes"))
		Eventually(func() string { return get(s.Name).Status.RequestedBy }).Should(Equal("pemohon-dinkes"))
	})

	It("a requester named in the manifest is refused: the server records who created it", func() {
		s := newRequest(uniqueName("forged-requester"))
		s.Annotations = map[string]string{hostingv1.RequestedByAnnotation: "kepala-dinas-budi"}
		// The mutating policy overwrites it with the real user before validation.
		Expect(applicant.Create(ctx, s)).To(Succeed())
		Expect(get(s.Name).Annotations).To(HaveKeyWithValue(hostingv1.RequestedByAnnotation, "pemohon-dinkes"))
	})
})
