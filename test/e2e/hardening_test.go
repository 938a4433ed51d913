package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
)

// What the running operator puts back or reports when someone goes around it.
var _ = Describe("A site that someone tampers with", Ordered, func() {
	const name = "kokoh"
	const fqdn = name + "." + zone
	shard := grants.Shard("granted-hosts", fqdn)

	grantOf := func() string {
		cm := &corev1.ConfigMap{}
		if err := admin.Get(ctx, client.ObjectKey{Namespace: "subdomain-operator-system", Name: shard}, cm); err != nil {
			return err.Error()
		}
		return cm.Data[fqdn]
	}
	condition := func(typ string) func() string {
		return func() string {
			c := meta.FindStatusCondition(getSDR(name).Status.Conditions, typ)
			if c == nil {
				return ""
			}
			return string(c.Status) + " " + c.Reason + ": " + c.Message
		}
	}

	BeforeAll(func() {
		applyRequest(name, name, "Retain")
		approveAll(name)
		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))
		Expect(grantOf()).To(Equal("web-kokoh kokoh"))
	})

	It("keeps its finalizer: refused to the applicant, put back when a cluster administrator strips it", func() {
		strip := `[{"op":"remove","path":"/metadata/finalizers"}]`
		out, err := kubectl("pemohon-dinkes", "patch", "sdr", name, "--type=json", "-p", strip)
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("only the subdomain operator adds or removes the finalizer hosting.kuduskab.go.id/finalizer"))

		mustKubectl("admin", "patch", "sdr", name, "--type=json", "-p", strip)
		Eventually(func() []string { return getSDR(name).Finalizers }).Should(ContainElement(hostingv1.Finalizer))
	})

	It("puts back a grant removed from its ConfigMap, so a foreign Ingress stays refused", func() {
		patch, err := json.Marshal(map[string]any{"data": map[string]any{fqdn: nil}})
		Expect(err).NotTo(HaveOccurred())
		mustKubectl("admin", "-n", "subdomain-operator-system", "patch", "configmap", shard, "--type=merge", "-p", string(patch))
		Eventually(grantOf).Should(Equal("web-kokoh kokoh"))
		mustKubectl("admin", "create", "namespace", "penyusup")
		out, err := kubectl("admin", "-n", "penyusup", "create", "ingress", "curi", "--rule="+fqdn+"/*=web:80")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("an Ingress in namespace penyusup cannot serve it"))
	})

	It("reports an object elsewhere that publishes its host, and is not Ready until it is gone", func() {
		mustKubectl("admin", "create", "namespace", "platform-dns")
		// A platform administrator may publish any name; a mistake with this one is
		// reported on the request, never silently shared. (Without the operator's
		// label, external-dns does not publish it.)
		manifest := `apiVersion: externaldns.k8s.io/v1alpha1
kind: DNSEndpoint
metadata: {name: keliru, namespace: platform-dns}
spec:
  endpoints: [{dnsName: ` + fqdn + `, recordType: A, targets: ["192.0.2.77"]}]
`
		path := filepath.Join(workDir, "keliru.yaml")
		Expect(os.WriteFile(path, []byte(manifest), 0o644)).To(Succeed())
		mustKubectl("admin", "apply", "-f", path)
		Eventually(condition(hostingv1.ConditionHostExclusive)).Should(Equal("False " + hostingv1.ReasonHostServedElsewhere + ": " +
			fqdn + " is also served or published outside namespace web-kokoh, by DNSEndpoint platform-dns/keliru; the platform team must remove them before the site is Ready"))
		Expect(meta.IsStatusConditionTrue(getSDR(name).Status.Conditions, hostingv1.ConditionReady)).To(BeFalse())
		Eventually(func() string {
			return mustKubectl("admin", "get", "events", "-A", "--field-selector", "involvedObject.name="+name+",reason="+hostingv1.ReasonHostServedElsewhere, "-o", "name")
		}).ShouldNot(BeEmpty())

		mustKubectl("admin", "-n", "platform-dns", "delete", "dnsendpoint", "keliru")
		// The phase stays Ready meanwhile (the site was Ready); the conditions tell.
		Eventually(condition(hostingv1.ConditionHostExclusive)).Should(HavePrefix("True " + hostingv1.ReasonHostExclusive))
		Eventually(condition(hostingv1.ConditionReady)).Should(HavePrefix("True "))
		Expect(phaseOf(name)()).To(Equal(hostingv1.PhaseReady))
	})

	It("with Retain, keeps the host granted to the retained namespace after the request is deleted", func() {
		mustKubectl("pemohon-dinkes", "delete", "sdr", name, "--wait=true", "--timeout=60s")
		Expect(grantOf()).To(Equal("web-kokoh kokoh"))
		ns := &corev1.Namespace{}
		Expect(admin.Get(ctx, client.ObjectKey{Name: "web-kokoh"}, ns)).To(Succeed())
		Expect(ns.Labels).To(HaveKeyWithValue(hostingv1.SubdomainLabel, name))
		Expect(ns.Annotations).To(HaveKeyWithValue(hostingv1.GrantAnnotation, "subdomain-operator-system/"+shard))
		out, err := kubectl("admin", "-n", "penyusup", "create", "ingress", "curi-lagi", "--rule="+fqdn+"/*=web:80")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("an Ingress in namespace penyusup cannot serve it"))
		Expect(dig(name)()).To(Equal([]string{targetIP}))
	})
})

var _ = Describe("Telling the applicant that a request was returned", func() {
	It("sends at most one such mail a day, however often the request is renamed into a taken name", func() {
		const name = "berulang"
		address := name + "@kuduskab.go.id"
		applyRequest(name, takenInZone, "Retain")
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseReturnedToApplicant))
		Eventually(mailsTo(address, "dikembalikan")).Should(HaveLen(1))

		// Renamed to a reserved name: returned again, and not mailed again.
		mustKubectl("pemohon-dinkes", "patch", "sdr", name, "--type=merge", "-p", `{"spec":{"subdomain":"www"}}`)
		Eventually(func() string {
			c := meta.FindStatusCondition(getSDR(name).Status.Conditions, hostingv1.ConditionApplicantNotified)
			if c == nil {
				return ""
			}
			return c.Reason
		}).Should(Equal(hostingv1.ReasonNotificationLimited))
		Expect(getSDR(name).Status.Phase).To(Equal(hostingv1.PhaseReturnedToApplicant))
		Consistently(mailsTo(address, "dikembalikan"), "3s").Should(HaveLen(1))
	})
})
