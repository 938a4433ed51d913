package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/smtp"
	"os"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
)

// The suite's mailpit is a submission server as the platform will have one: STARTTLS
// required, with a certificate from a CA made for the run (the operator trusts it
// through notification.smtp.caFile), and SMTP AUTH with one account whose name and
// password the operator reads from files.
const (
	smtpUser     = "operator-kudus"
	smtpPassword = "kata-sandi-uji-e2e"
)

// smtpCA is the CA made for the run and mailpit's certificate (BeforeSuite).
var smtpCA harness.TestCA

var _ = Describe("Mail through a submission server with STARTTLS and AUTH", func() {
	It("is sent over TLS, logged in, marked auto-generated, with the operator's reason in Indonesian", func() {
		const name = "surel"
		const address = name + "@kuduskab.go.id"
		applyRequest(name, "vpn", "Retain") // vpn is on the default reserved list
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseReturnedToApplicant))
		Eventually(mailsTo(address, "dikembalikan")).Should(HaveLen(1))
		mail := mailsTo(address, "dikembalikan")()[0]

		// mailpit keeps no TLS flag per message, and its Username only for AUTH LOGIN;
		// it refuses AUTH, MAIL, RCPT and DATA before STARTTLS and MAIL before AUTH
		// (the next spec shows both), and logs each login: the operator's mail came
		// over TLS, logged in as its account (PLAIN, the first the server offers).
		// (a log file gets logrus's text format, which escapes the quotes)
		Expect(mailpit.Log()).To(MatchRegexp(`\[smtpd\] allow PLAIN login:\\?"` + smtpUser + `\\?" from:127\.0\.0\.1`))
		Expect(mailpit.Log()).NotTo(ContainSubstring("[smtpd] deny"))

		headers, err := mailpit.Headers(ctx, mail.ID)
		Expect(err).NotTo(HaveOccurred())
		Expect(headers).To(HaveKeyWithValue("Auto-Submitted", []string{"auto-generated"}))
		Expect(headers).To(HaveKeyWithValue("From", []string{`"Diskominfo Kabupaten Kudus" <diskominfo@kuduskab.go.id>`}))
		var messageID []string
		for k, v := range headers {
			if strings.EqualFold(k, "Message-ID") {
				messageID = v
			}
		}
		Expect(messageID).To(ConsistOf(MatchRegexp(`^<[0-9a-f-]+\.returned\.vpn\.subdomain-operator@kuduskab\.go\.id>$`)))

		// The Indonesian paragraph gives the reason in Indonesian, indented on its own line.
		Expect(mail.Text).To(ContainSubstring("\n  vpn.kuduskab.go.id termasuk nama yang dicadangkan oleh platform; silakan pilih nama lain"))
		Expect(mail.Text).To(ContainSubstring("English: the name vpn.kuduskab.go.id cannot be used (vpn.kuduskab.go.id is on the platform's reserved list; choose another name)"))
	})

	It("takes no mail in clear text, nor inside TLS without logging in", func() {
		c, err := smtp.Dial(net.JoinHostPort("127.0.0.1", strconv.Itoa(mailpit.SMTPPort)))
		Expect(err).NotTo(HaveOccurred())
		defer c.Close()
		Expect(c.Hello("e2e.test")).To(Succeed())
		ok, _ := c.Extension("STARTTLS")
		Expect(ok).To(BeTrue())
		err = c.Mail("diskominfo@kuduskab.go.id")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(And(HavePrefix("530 "), ContainSubstring("Must issue a STARTTLS command first")))

		pem, err := os.ReadFile(smtpCA.CAFile)
		Expect(err).NotTo(HaveOccurred())
		roots := x509.NewCertPool()
		Expect(roots.AppendCertsFromPEM(pem)).To(BeTrue())
		Expect(c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: roots})).To(Succeed())
		err = c.Mail("diskominfo@kuduskab.go.id")
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(And(HavePrefix("530 "), ContainSubstring("Authentication required")))
	})
})
