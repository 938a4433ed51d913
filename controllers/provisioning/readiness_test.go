package provisioning

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// condition returns a condition of the request's, or an empty one.
func condition(name, typ string) func() metav1.Condition {
	return func() metav1.Condition {
		if c := meta.FindStatusCondition(get(name).Status.Conditions, typ); c != nil {
			return *c
		}
		return metav1.Condition{}
	}
}

func conditionIs(status metav1.ConditionStatus, reason, message string) OmegaMatcher {
	return And(
		HaveField("Status", status), HaveField("Reason", reason), HaveField("Message", message))
}

// eventsOf returns the "type: note" of the request's Events with the given reasons.
func eventsOf(name string, reasons ...string) func() []string {
	return func() []string {
		var list eventsv1.EventList
		Expect(admin.List(ctx, &list)).To(Succeed())
		var notes []string
		for _, e := range list.Items {
			if e.Regarding.Name == name && slices.Contains(reasons, e.Reason) {
				notes = append(notes, e.Type+": "+e.Note)
			}
		}
		return notes
	}
}

var _ = Describe("Ready means the site serves", func() {
	It("waits for the pods, the certificate and the Gateway, says which is missing, and breaches the standard naming it", func() {
		// Nothing writes the parts' status in the site's namespace until the test does,
		// as their controllers would.
		standIn.Hold("web-siaga-")
		DeferCleanup(standIn.Release, "web-siaga-")
		s := file("siaga", hostingv1.DeletionPolicyRetain)
		ns := "web-" + s.Name
		fqdn := cfg.FQDN(s.Name)

		Eventually(condition(s.Name, hostingv1.ConditionSiteAvailable)).Should(conditionIs(metav1.ConditionFalse, hostingv1.ReasonSiteUnavailable,
			"Deployment web is not rolled out yet: the Deployment controller has not seen its latest version"))
		Eventually(condition(s.Name, hostingv1.ConditionCertificateReady)).Should(conditionIs(metav1.ConditionFalse, hostingv1.ReasonCertificateNotReady,
			"Certificate web-tls has no status yet: cert-manager has not processed it (is cert-manager running, and does its issuer exist?)"))
		Eventually(condition(s.Name, hostingv1.ConditionRouteAccepted)).Should(conditionIs(metav1.ConditionFalse, hostingv1.ReasonRouteNotAccepted,
			"HTTPRoute web is not accepted by every parent: Gateway gateway-system/sites has not taken it up yet (no status from its controller); "+
				"ListenerSet "+ns+"/web (https) has not taken it up yet (no status from its controller)"))
		sdr := get(s.Name)
		Expect(sdr.Status.Phase).To(Equal(hostingv1.PhaseProvisioning))
		Expect(sdr.Status.URL).To(Equal("http://" + fqdn))
		ready := meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionReady)
		Expect(ready.Reason).To(Equal(hostingv1.ReasonNotServing))
		Expect(ready.Message).To(HavePrefix("not serving yet: SiteAvailable (Deployment web is not rolled out yet"))
		Expect(ready.Message).To(ContainSubstring("; CertificateReady (Certificate web-tls has no status yet"))
		for _, typ := range []string{hostingv1.ConditionNamespaceReady, hostingv1.ConditionIngressReady, hostingv1.ConditionDNSReady, hostingv1.ConditionHostExclusive} {
			Expect(meta.IsStatusConditionTrue(sdr.Status.Conditions, typ)).To(BeTrue(), typ)
		}

		By("the provisioning standard passes while the site does not serve: the breach names what is missing")
		Eventually(condition(s.Name, hostingv1.ConditionSLABreached), provisioningStandard*3).Should(And(
			HaveField("Status", metav1.ConditionTrue),
			HaveField("Message", ContainSubstring("Provisioning (standard 8s)")),
			HaveField("Message", ContainSubstring("SiteAvailable (Deployment web is not rolled out yet")),
		))

		By("the Deployment controller reports the pods available (written by the test: envtest runs no kubelet)")
		Expect(standIn.Serve(ctx, ns, "Deployment")).To(Succeed())
		Eventually(condition(s.Name, hostingv1.ConditionSiteAvailable)).Should(conditionIs(metav1.ConditionTrue, hostingv1.ReasonSiteAvailable,
			"Deployment "+ns+"/web is available"))
		Expect(get(s.Name).Status.Phase).To(Equal(hostingv1.PhaseProvisioning))

		By("cert-manager reports the certificate failing, then issued (written by the test, as cert-manager would)")
		cert := &unstructured.Unstructured{}
		cert.SetGroupVersionKind(testenv.CertificateGVK)
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: controllers.CertificateName}, cert)).To(Succeed())
		Expect(unstructured.SetNestedSlice(cert.Object, []any{map[string]any{"type": "Ready", "status": "False", "reason": "DoesNotExist",
			"message": "Issuing certificate as Secret does not exist", "lastTransitionTime": "2026-12-03T00:00:00Z"}}, "status", "conditions")).To(Succeed())
		Expect(admin.Status().Update(ctx, cert)).To(Succeed())
		Eventually(condition(s.Name, hostingv1.ConditionCertificateReady)).Should(conditionIs(metav1.ConditionFalse, hostingv1.ReasonCertificateNotReady,
			"Certificate web-tls is not Ready: DoesNotExist: Issuing certificate as Secret does not exist"))
		Expect(standIn.Serve(ctx, ns, "Certificate")).To(Succeed())
		Eventually(condition(s.Name, hostingv1.ConditionCertificateReady)).Should(conditionIs(metav1.ConditionTrue, hostingv1.ReasonCertificateIssued,
			"Certificate "+ns+"/web-tls is issued by ClusterIssuer kudus-ca"))
		Expect(get(s.Name).Status.Phase).To(Equal(hostingv1.PhaseProvisioning))

		By("the Gateway's controller accepts the route (written by the test, as that controller would)")
		Expect(standIn.Serve(ctx, ns, "HTTPRoute")).To(Succeed())
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		sdr = get(s.Name)
		Expect(sdr.Status.URL).To(Equal("https://" + fqdn))
		Expect(meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionRouteAccepted).Message).To(Equal(
			"HTTPRoute " + ns + "/web is accepted by Gateway gateway-system/sites and ListenerSet " + ns + "/web"))
		Expect(meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionReady).Message).To(Equal(
			"the site serves and its name resolves: https://" + fqdn))

		By("the pods stop being available (the Deployment controller's status, written by the test): the phase stays Ready, Ready turns False")
		d := &unstructured.Unstructured{}
		d.SetAPIVersion("apps/v1")
		d.SetKind("Deployment")
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: controllers.SiteName}, d)).To(Succeed())
		Expect(unstructured.SetNestedField(d.Object, int64(0), "status", "availableReplicas")).To(Succeed())
		Expect(unstructured.SetNestedSlice(d.Object, []any{map[string]any{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
			"message": "Deployment does not have minimum availability.", "lastTransitionTime": "2026-12-03T00:00:00Z", "lastUpdateTime": "2026-12-03T00:00:00Z"}},
			"status", "conditions")).To(Succeed())
		Expect(admin.Status().Update(ctx, d)).To(Succeed())
		Eventually(condition(s.Name, hostingv1.ConditionReady)).Should(conditionIs(metav1.ConditionFalse, hostingv1.ReasonNotServing,
			"the site was Ready, but does not serve now: SiteAvailable (Deployment web has 0 of 1 replicas available; "+
				"MinimumReplicasUnavailable: Deployment does not have minimum availability.)"))
		Expect(get(s.Name).Status.Phase).To(Equal(hostingv1.PhaseReady))
		Eventually(eventsOf(s.Name, hostingv1.ReasonNotServing)).Should(ConsistOf("Warning: the site was Ready, but does not serve now: SiteAvailable (Deployment web has 0 of 1 replicas available; " +
			"MinimumReplicasUnavailable: Deployment does not have minimum availability.)"))

		By("the approvals were told one Event each, the last one with the phase it led to")
		Expect(eventsOf(s.Name, hostingv1.ReasonApproved, hostingv1.ReasonFullyApproved, hostingv1.ReasonProvisioned)()).To(ConsistOf(
			"Normal: budi approved as Kepala Dinas",
			"Normal: agus approved as Kepala Bidang Informatika",
			"Normal: dewi approved as Kepala Seksi TI dan Persandian; approved by all three officials",
			"Normal: site ready at https://"+fqdn))
	})

	It("tells the last approval and the site ready in one Event when the site serves at once", func() {
		s := file("kilat", hostingv1.DeletionPolicyRetain)
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		fqdn := cfg.FQDN(s.Name)
		// Whether the operator saw the parts serving in the reconcile that made them
		// is a race with the stand-in: either way the Kepala Seksi's approval is told
		// once, with the phase it led to.
		Eventually(eventsOf(s.Name, hostingv1.ReasonApproved, hostingv1.ReasonFullyApproved, hostingv1.ReasonProvisioned)).Should(Or(
			ConsistOf("Normal: budi approved as Kepala Dinas", "Normal: agus approved as Kepala Bidang Informatika",
				"Normal: dewi approved as Kepala Seksi TI dan Persandian; site ready at https://"+fqdn),
			ConsistOf("Normal: budi approved as Kepala Dinas", "Normal: agus approved as Kepala Bidang Informatika",
				"Normal: dewi approved as Kepala Seksi TI dan Persandian; approved by all three officials",
				"Normal: site ready at https://"+fqdn)))
	})

	It("routes the host to Service web through the shared Gateway and the site's own HTTPS listener", func() {
		s := file("rute", hostingv1.DeletionPolicyRetain)
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		ns, fqdn := "web-"+s.Name, gatewayv1.Hostname(cfg.FQDN(s.Name))

		route := &gatewayv1.HTTPRoute{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)}
		Expect(exists(route)).To(Succeed())
		Expect(route.Spec.Hostnames).To(Equal([]gatewayv1.Hostname{fqdn}))
		Expect(route.Spec.ParentRefs).To(HaveLen(2))
		Expect(route.Spec.ParentRefs[0].Name).To(Equal(gatewayv1.ObjectName("sites")))
		Expect(*route.Spec.ParentRefs[0].Namespace).To(Equal(gatewayv1.Namespace("gateway-system")))
		Expect(*route.Spec.ParentRefs[1].Kind).To(Equal(gatewayv1.Kind("ListenerSet")))
		Expect(route.Spec.ParentRefs[1].Name).To(Equal(gatewayv1.ObjectName("web")))
		Expect(*route.Spec.ParentRefs[1].SectionName).To(Equal(gatewayv1.SectionName("https")))
		backend := route.Spec.Rules[0].BackendRefs[0]
		Expect(backend.Name).To(Equal(gatewayv1.ObjectName("web")))
		Expect(*backend.Port).To(Equal(gatewayv1.PortNumber(80)))
		Expect(*route.Spec.Rules[0].Matches[0].Path.Value).To(Equal("/"))

		ls := &gatewayv1.ListenerSet{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)}
		Expect(exists(ls)).To(Succeed())
		Expect(ls.Spec.ParentRef.Name).To(Equal(gatewayv1.ObjectName("sites")))
		Expect(ls.Spec.Listeners).To(HaveLen(1))
		Expect(*ls.Spec.Listeners[0].Hostname).To(Equal(fqdn))
		Expect(ls.Spec.Listeners[0].Protocol).To(Equal(gatewayv1.HTTPSProtocolType))
		Expect(string(ls.Spec.Listeners[0].TLS.CertificateRefs[0].Name)).To(Equal("web-tls"))

		cert := &unstructured.Unstructured{}
		cert.SetGroupVersionKind(testenv.CertificateGVK)
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-tls"}, cert)).To(Succeed())
		names, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
		Expect(names).To(Equal([]string{string(fqdn)}))
		issuer, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name")
		Expect(issuer).To(Equal("kudus-ca"))
		secret, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
		Expect(secret).To(Equal("web-tls"))
	})
})
