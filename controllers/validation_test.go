package controllers

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// subdomainMessages are the distinct messages of the rules on spec.subdomain: a bad
// value must get exactly one of them, the most specific.
var subdomainMessages = []string{
	"spec.subdomain is empty",
	"spec.subdomain must be lowercase",
	"remove the trailing dot",
	"must be a single label without dots",
	"cannot be a wildcard",
	"may contain only lowercase letters a-z, digits 0-9 and '-'",
	"must start and end with a letter or digit",
	"reserved for internationalized names",
}

// bidi is U+202E RIGHT-TO-LEFT OVERRIDE, which makes text display reversed.
const bidi = "\u202e"

// longName is a unique valid name of exactly n characters.
func longName(n int) string {
	u := uniqueName("long")
	return strings.Repeat("a", n-len(u)) + u
}

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
			"spec.subdomain", `spec.subdomain must be lowercase: write "dinkes", not "Dinkes"`),
		Entry("underscored subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "din_kes" },
			"spec.subdomain", "may contain only lowercase letters a-z, digits 0-9 and '-'"),
		Entry("dotted subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "dinkes.kuduskab.go.id" },
			"spec.subdomain", "must be a single label without dots"),
		Entry("subdomain with a trailing dot", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "dinkes." },
			"spec.subdomain", "spec.subdomain must not end with a dot: remove the trailing dot"),
		Entry("wildcard subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "*" },
			"spec.subdomain", "cannot be a wildcard"),
		Entry("empty subdomain", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "" },
			"spec.subdomain", `spec.subdomain is empty: write the name you ask for, e.g. "dinkes"`),
		Entry("leading hyphen", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "-dinkes" },
			"spec.subdomain", "must start and end with a letter or digit"),
		Entry("trailing hyphen", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "dinkes-" },
			"spec.subdomain", "must start and end with a letter or digit"),
		Entry("58 characters", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = strings.Repeat("a", 58) },
			"spec.subdomain", "may not be more than 57"),
		Entry("punycode-style prefix", func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = "xn--dinkes" },
			"spec.subdomain", "reserved for internationalized names"),
		Entry("a 100-character name", func(s *hostingv1.SubdomainRequest) { s.Name = longName(100) },
			"metadata: Invalid value", "metadata.name must be at most 57 characters (it becomes a label value on everything provisioned): use the subdomain as the name"),
		Entry("missing unit", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Unit = "" },
			"spec.applicant.unit"),
		Entry("missing contact name", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.ContactName = "" },
			"spec.applicant.contactName"),
		Entry("missing email", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "" },
			"spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("missing letter number", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Number = "" },
			"spec.letter.number"),
		Entry("malformed email", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "dinkes at kuduskab" },
			"spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("email with a comma", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "a,b@c.de" },
			"spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("two email addresses", func(s *hostingv1.SubdomainRequest) {
			s.Spec.Applicant.Email = "a@kuduskab.go.id b@kuduskab.go.id"
		}, "spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("email without a dot in the domain", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "dinkes@kuduskab" },
			"spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("email domain label ending in '-'", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "dinkes@kuduskab-.go.id" },
			"spec.applicant.email", "must be an email address such as nama@kuduskab.go.id"),
		Entry("malformed NIP", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.NIP = "19800101 2005" },
			"spec.applicant.nip", "must be exactly 18 digits"),
		Entry("malformed phone", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Phone = "call me" },
			"spec.applicant.phone", "must be a telephone number such as +62291438713"),
		Entry("malformed letter date", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "20/11/2026" },
			"spec.letter.date", "YYYY-MM-DD"),
		Entry("February 31st", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2026-02-31" },
			"spec.letter.date", "spec.letter.date 2026-02-31 is not a date in the calendar"),
		Entry("February 29th in a common year", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2026-02-29" },
			"spec.letter.date", "spec.letter.date 2026-02-29 is not a date in the calendar"),
		Entry("February 29th in a century that is not a leap year", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "1900-02-29" },
			"spec.letter.date", "spec.letter.date 1900-02-29 is not a date in the calendar"),
		Entry("April 31st", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2026-04-31" },
			"spec.letter.date", "spec.letter.date 2026-04-31 is not a date in the calendar"),
		Entry("whitespace-only unit", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Unit = "   " },
			"spec.applicant.unit", "spec.applicant.unit cannot be only whitespace"),
		Entry("whitespace-only contact name", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.ContactName = "  " },
			"spec.applicant.contactName", "spec.applicant.contactName cannot be only whitespace"),
		Entry("whitespace-only position", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Position = " " },
			"spec.applicant.position", "spec.applicant.position cannot be only whitespace"),
		Entry("whitespace-only letter number", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Number = " " },
			"spec.letter.number", "spec.letter.number cannot be only whitespace"),
		Entry("whitespace-only purpose", func(s *hostingv1.SubdomainRequest) { s.Spec.Purpose = " \n  " },
			"spec.purpose", "spec.purpose cannot be only whitespace"),
		Entry("a newline in the letter number", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Number = "555/123\n20.01/2026" },
			"spec.letter.number", "spec.letter.number must be plain text on one line: control characters"),
		Entry("a right-to-left override in the unit", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Unit = "Dinas " + bidi + "natahesek" },
			"spec.applicant.unit", "spec.applicant.unit must be plain text on one line", "invisible text-direction characters"),
		Entry("a tab in the contact name", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.ContactName = "Siti\tAminah" },
			"spec.applicant.contactName", "spec.applicant.contactName must be plain text on one line: control characters"),
		Entry("an isolate in the position", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Position = "Kepala \u2066Umum" },
			"spec.applicant.position", "spec.applicant.position must be plain text on one line"),
		Entry("an escape character in the group", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "opd:\x1b[2Jdinkes" },
			"spec.applicant.group", "spec.applicant.group must be plain text on one line"),
		Entry("a carriage return in the purpose", func(s *hostingv1.SubdomainRequest) { s.Spec.Purpose = "Informasi\rDIHAPUS" },
			"spec.purpose", "spec.purpose may contain newlines and tabs but no other control characters"),
		Entry("a right-to-left mark in the purpose", func(s *hostingv1.SubdomainRequest) { s.Spec.Purpose = "Informasi \u200f layanan" },
			"spec.purpose", "invisible text-direction characters"),
		Entry("markup in the unit", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Unit = "<script>alert(1)</script>" },
			"spec.applicant.unit", "spec.applicant.unit contains < or >: < and > are not allowed"),
		Entry("markup in the contact name", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.ContactName = "Siti <b>Aminah</b>" },
			"spec.applicant.contactName", "spec.applicant.contactName contains < or >: < and > are not allowed"),
		Entry("markup in the position", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Position = "Kepala >" },
			"spec.applicant.position", "spec.applicant.position contains < or >: < and > are not allowed"),
		Entry("group system:authenticated", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "system:authenticated" },
			"spec.applicant.group", "spec.applicant.group cannot be a system: group; name your unit's group, e.g. opd:dinkes"),
		Entry("group system:masters", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "system:masters" },
			"spec.applicant.group", "spec.applicant.group cannot be a system: group; name your unit's group, e.g. opd:dinkes"),
		Entry("group with a space", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "opd dinkes" },
			"spec.applicant.group", "spec.applicant.group may contain only letters a-z and A-Z, digits 0-9 and the characters : . _ @ -"),
		Entry("group with a non-ASCII letter", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "opd:dinkés" },
			"spec.applicant.group", "spec.applicant.group may contain only letters a-z and A-Z, digits 0-9 and the characters : . _ @ -"),
		Entry("unknown plan", func(s *hostingv1.SubdomainRequest) { s.Spec.Hosting.Plan = "huge" },
			"spec.hosting.plan", `Unsupported value: "huge"`, `"small", "medium", "large"`),
		Entry("unknown deletion policy", func(s *hostingv1.SubdomainRequest) { s.Spec.DeletionPolicy = "Archive" },
			"spec.deletionPolicy", `Unsupported value: "Archive"`, `"Retain", "Delete"`),
	)

	DescribeTable("gets exactly one message for a bad subdomain, the most specific one",
		func(subdomain, want string) {
			s := newRequest(uniqueName("one-message"))
			s.Spec.Subdomain = subdomain
			err := applicant.Create(ctx, s)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring("spec.subdomain"))
			Expect(err.Error()).To(ContainSubstring(want))
			for _, other := range subdomainMessages {
				if !strings.Contains(want, other) {
					Expect(err.Error()).NotTo(ContainSubstring(other), "only %q was expected", want)
				}
			}
		},
		Entry("empty", "", "spec.subdomain is empty"),
		Entry("uppercase", "Dinkes", `spec.subdomain must be lowercase: write "dinkes", not "Dinkes"`),
		Entry("trailing dot", "dinkes.", "remove the trailing dot"),
		Entry("the full name with a trailing dot", "dinkes.kuduskab.go.id.", "must be a single label without dots"),
		Entry("the full name", "dinkes.kuduskab.go.id", "must be a single label without dots"),
		Entry("wildcard", "*", "cannot be a wildcard"),
		Entry("underscore", "din_kes", "may contain only lowercase letters a-z, digits 0-9 and '-'"),
		Entry("space", "din kes", "may contain only lowercase letters a-z, digits 0-9 and '-'"),
		Entry("leading hyphen", "-dinkes", "must start and end with a letter or digit"),
		Entry("trailing hyphen", "dinkes-", "must start and end with a letter or digit"),
		Entry("reserved prefix", "xx--dinkes", "reserved for internationalized names"),
	)

	DescribeTable("gets one message for a field with one mistake",
		func(edit func(*hostingv1.SubdomainRequest), want, notWant string) {
			s := newRequest(uniqueName("one-message"))
			edit(s)
			err := applicant.Create(ctx, s)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want))
			Expect(err.Error()).NotTo(ContainSubstring(notWant))
		},
		Entry("a system: group is not also told about characters",
			func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "system:masters" },
			"cannot be a system: group", "spec.applicant.group may contain only"),
		Entry("a newline in the email is not also told the email is malformed",
			func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "dinkes@kuduskab.go.id\nBcc: x@y.z" },
			"spec.applicant.email must be plain text on one line", "must be an email address"),
		Entry("a tab in the group is not also told about characters",
			func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "opd:\tdinkes" },
			"spec.applicant.group must be plain text on one line", "spec.applicant.group may contain only"),
		Entry("an empty unit is not also told it is whitespace",
			func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Unit = "" },
			"spec.applicant.unit", "cannot be only whitespace"),
		Entry("a malformed date is not also told it is not in the calendar",
			func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2026-13-01" },
			"must be a date written YYYY-MM-DD", "is not a date in the calendar"),
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

	It("an empty position written in the manifest counts as no position", func() {
		name := uniqueName("empty-position")
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "hosting.kuduskab.go.id/v1alpha1", "kind": "SubdomainRequest",
			"metadata": map[string]any{"name": name},
			"spec": map[string]any{"subdomain": name, "purpose": "x",
				"applicant": map[string]any{"unit": "u", "contactName": "c", "position": "", "email": "a@kuduskab.go.id", "group": "opd:dinkes"},
				"letter":    map[string]any{"number": "1", "date": "2026-11-20"}},
		}}
		Expect(applicant.Create(ctx, u)).To(Succeed())
	})

	DescribeTable("a good value at the edge of a rule is accepted",
		func(edit func(*hostingv1.SubdomainRequest)) {
			s := newRequest(uniqueName("edge"))
			edit(s)
			Expect(applicant.Create(ctx, s)).To(Succeed())
		},
		Entry("a 57-character name and subdomain", func(s *hostingv1.SubdomainRequest) { s.Name = longName(57); s.Spec.Subdomain = s.Name }),
		Entry("February 29th in a leap year", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2024-02-29" }),
		Entry("February 29th in 2000", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2000-02-29" }),
		Entry("the last day of a 31-day month", func(s *hostingv1.SubdomainRequest) { s.Spec.Letter.Date = "2026-12-31" }),
		Entry("an email with a dot and a plus", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Email = "siti.aminah+web@kuduskab.go.id" }),
		Entry("a phone number with an area code in parentheses", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Phone = "(0291) 438713" }),
		Entry("a purpose over several lines, with a tab", func(s *hostingv1.SubdomainRequest) {
			s.Spec.Purpose = "Informasi layanan kesehatan:\n\t- jadwal puskesmas\n\t- berita"
		}),
		Entry("no position", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Position = "" }),
		Entry("names with Indonesian punctuation", func(s *hostingv1.SubdomainRequest) {
			s.Spec.Applicant.ContactName = "dr. Siti Aminah, M.Kes."
			s.Spec.Applicant.Unit = "Dinas Kesehatan (Dinkes) & UPT Puskesmas"
		}),
		// Groups beyond opd:<name> pass the schema, but the platform's admission policy
		// (config/policies/request-form.yaml) may require its own pattern.
		Entry("the unit's group", func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "opd:dinkes" }),
	)

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
