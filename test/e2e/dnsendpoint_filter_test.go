package e2e

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var _ = Describe("external-dns publishes only the operator's DNSEndpoints", func() {
	It("never publishes a DNSEndpoint without the operator's label, while an approved request's name answers", func() {
		const rogue = "rogue"
		const rogueIP = "192.0.2.66"

		By("the cluster admin writes, in namespace lain, a DNSEndpoint for rogue.kuduskab.go.id without the operator's label")
		mustKubectl("admin", "create", "namespace", "lain")
		path := filepath.Join(workDir, "rogue-dnsendpoint.yaml")
		Expect(os.WriteFile(path, []byte(`apiVersion: externaldns.k8s.io/v1alpha1
kind: DNSEndpoint
metadata:
  name: rogue
  namespace: lain
spec:
  endpoints:
    - dnsName: rogue.kuduskab.go.id
      recordType: A
      targets: ["`+rogueIP+`"]
      recordTTL: 60
`), 0o644)).To(Succeed())
		mustKubectl("admin", "apply", "-f", path)

		By("a request approved after it gets its own name published: external-dns has synced since the rogue DNSEndpoint was written")
		applyRequest("resmi", "resmi", "Retain")
		approveAll("resmi")
		Eventually(dig("resmi"), "90s").Should(Equal([]string{targetIP}))
		Eventually(phaseOf("resmi"), "90s").Should(Equal(hostingv1.PhaseReady))

		By("the rogue name stays unknown to BIND")
		Consistently(digStatus(rogue), "5s", "500ms").Should(Equal("NXDOMAIN"))

		By("control: the same DNSEndpoint with the operator's label is published, so only the label kept it out")
		mustKubectl("admin", "-n", "lain", "label", "dnsendpoint", rogue, "app.kubernetes.io/managed-by=subdomain-operator")
		Eventually(dig(rogue), "60s").Should(Equal([]string{rogueIP}))
		mustKubectl("admin", "-n", "lain", "delete", "dnsendpoint", rogue)
		Eventually(digStatus(rogue), "60s").Should(Equal("NXDOMAIN"))
	})
})
