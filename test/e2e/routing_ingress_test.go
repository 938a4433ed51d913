package e2e

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/policysettings"
)

// The suite runs with the default routing, gateway; this container runs the same path,
// from the manifest to the dig answer and the mail, with routing: ingress, then puts the
// suite's configuration back.
var _ = Describe("In routing mode ingress", Ordered, func() {
	const name = "jalur"
	const ns = "web-" + name
	const fqdn = name + "." + zone
	const address = name + "@kuduskab.go.id"
	const user = "pemohon-dinkes"

	// A site made while the platform routed through the Gateway API, kept across the
	// switch.
	const earlier = "pindah"

	BeforeAll(func() {
		By("a site made with routing: gateway, before the switch")
		applyRequest(earlier, earlier, "Retain")
		approveAll(earlier)
		Eventually(phaseOf(earlier), "90s").Should(Equal(hostingv1.PhaseReady))

		By("restarting the operator with routing: ingress, ingressNamespace: ingress-system and no ingressClassName")
		gatewayCfg, err := config.Load(operatorCfg)
		Expect(err).NotTo(HaveOccurred())
		operator.Stop()
		DeferCleanup(func() {
			By("restarting the operator with the suite's configuration (routing: gateway)")
			operator.Stop()
			writeOperatorConfig("")
			operator = startOperator()
		})
		writeOperatorConfig("routing: ingress\ningressNamespace: ingress-system\n")
		ingressCfg, err := config.Load(operatorCfg)
		Expect(err).NotTo(HaveOccurred())
		Expect(ingressCfg.Routing).To(Equal(config.RoutingIngress))
		// The admission policies' settings do not depend on the routing mode: those
		// written in BeforeSuite still agree (the operator refuses to start otherwise).
		Expect(policysettings.Data(ingressCfg)).To(Equal(policysettings.Data(gatewayCfg)))
		operator = startOperator()
	})

	It("files and approves a request with kubectl; the site is served by an Ingress, resolves and the applicant gets one mail", func() {
		applyRequest(name, name, "Delete")
		approveAll(name)
		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))

		ing := &networkingv1.Ingress{}
		Expect(exists(ing, ns, "web")()).To(Succeed())
		Expect(ing.Spec.IngressClassName).To(BeNil(), "no ingressClassName: the cluster's default IngressClass")
		Expect(ing.Spec.Rules).To(HaveLen(1))
		Expect(ing.Spec.Rules[0].Host).To(Equal(fqdn))
		Expect(ing.Spec.Rules[0].HTTP.Paths).To(HaveLen(1))
		path := ing.Spec.Rules[0].HTTP.Paths[0]
		Expect(path.Path).To(Equal("/"))
		Expect(path.Backend.Service.Name).To(Equal("web"))
		Expect(path.Backend.Service.Port.Name).To(Equal("http"))
		Expect(ing.Spec.TLS).To(Equal([]networkingv1.IngressTLS{{Hosts: []string{fqdn}, SecretName: "web-tls"}}))
		Expect(ing.Annotations).NotTo(HaveKey("cert-manager.io/cluster-issuer"), "the operator makes the Certificate itself")
		Expect(ing.Status.LoadBalancer.Ingress).To(ConsistOf(HaveField("IP", targetIP)), "the address the stand-in wrote as an ingress controller would")

		cert := certificate(ns)
		Expect(cert).NotTo(BeNil())
		dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
		Expect(dnsNames).To(Equal([]string{fqdn}))
		issuer, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name")
		Expect(issuer).To(Equal("letsencrypt-kudus"))
		Expect(apierrors.IsNotFound(exists(&gatewayv1.HTTPRoute{}, ns, "web")())).To(BeTrue(), "no HTTPRoute with routing: ingress")
		Expect(apierrors.IsNotFound(exists(&gatewayv1.ListenerSet{}, ns, "web")())).To(BeTrue(), "no ListenerSet with routing: ingress")

		np := &networkingv1.NetworkPolicy{}
		Expect(exists(np, ns, "allow-ingress-and-namespace")()).To(Succeed())
		Expect(np.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels).To(HaveKeyWithValue("kubernetes.io/metadata.name", "ingress-system"))

		Expect(conditionAsSeen(user, name, hostingv1.ConditionIngressReady)()).To(Equal("True " + hostingv1.ReasonProvisioned +
			": Ingress " + ns + "/web routes " + fqdn + " to Service web"))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionRouteAccepted)()).To(Equal("True " + hostingv1.ReasonRouteAccepted +
			": Ingress " + ns + "/web has an address from the ingress controller"))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionCertificateReady)()).To(Equal("True " + hostingv1.ReasonCertificateIssued +
			": Certificate " + ns + "/web-tls is issued by ClusterIssuer letsencrypt-kudus"))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionSiteAvailable)()).To(HavePrefix("True "))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionDNSReady)()).To(HavePrefix("True "))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionReady)()).To(Equal("True " + hostingv1.ReasonProvisioned +
			": the site serves and its name resolves: https://" + fqdn))
		Expect(dig(name)()).To(Equal([]string{targetIP}))

		Eventually(mailsTo(address, "sudah aktif")).Should(HaveLen(1))
		Expect(mailsTo(address, "sudah aktif")()[0].Text).To(ContainSubstring("Alamat situs   : https://" + fqdn))
		Consistently(mailsTo(address, "sudah aktif"), "3s").Should(HaveLen(1))
	})

	It("releases, with Retain, the HTTPRoute and ListenerSet of a site made before the switch (garbage collection would otherwise take them)", func() {
		earlierNS := "web-" + earlier
		mustKubectl(user, "delete", "sdr", earlier, "--wait=true", "--timeout=60s")
		for _, obj := range []client.Object{&gatewayv1.HTTPRoute{}, &gatewayv1.ListenerSet{}, &networkingv1.Ingress{}} {
			Expect(exists(obj, earlierNS, "web")()).To(Succeed())
			Expect(obj.GetOwnerReferences()).To(BeEmpty())
			Expect(obj.GetLabels()).NotTo(HaveKey(hostingv1.RequestLabel))
			Expect(obj.GetAnnotations()).To(HaveKeyWithValue(hostingv1.RetainedFromAnnotation, earlier))
		}
	})

	It("with deletionPolicy Delete, withdraws the DNS record first, then the Ingress and the Namespace", func() {
		deletions := watchDeletions(ns, "Ingress")
		mustKubectl(user, "delete", "sdr", name, "--wait=false")
		Eventually(func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{}))
		}, "90s").Should(BeTrue())
		Expect(digStatus(name)()).To(Equal("NXDOMAIN"))
		Eventually(deletions.order).Should(Equal([]string{"DNSEndpoint", "Ingress", "Namespace"}))
		namespace := &corev1.Namespace{}
		err := exists(namespace, "", ns)()
		// envtest runs no namespace controller: the Namespace stays Terminating.
		Expect(err == nil && !namespace.DeletionTimestamp.IsZero() || apierrors.IsNotFound(err)).To(BeTrue())
	})
})
