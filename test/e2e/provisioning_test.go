package e2e

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

func exists(obj client.Object, ns, name string) func() error {
	return func() error { return admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj) }
}

var _ = Describe("From manifest to dig answer", Ordered, func() {
	const name = "dinkes"
	const ns = "web-dinkes"

	It("the sample request, approved by the three officials with kubectl, becomes a site whose name resolves", func() {
		mustKubectl("pemohon-dinkes", "apply", "-f", filepath.Join(testenv.RepoRoot(), "config/samples/hosting_v1alpha1_subdomainrequest.yaml"))
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaDinas))
		approveAll(name)

		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))
		Expect(dig(name)()).To(Equal([]string{targetIP}))
		s := getSDR(name)
		Expect(s.Status.URL).To(Equal("https://dinkes.kuduskab.go.id"))
		Expect(s.Status.Namespace).To(Equal(ns))
		for _, c := range []string{hostingv1.ConditionNamespaceReady, hostingv1.ConditionIngressReady, hostingv1.ConditionRouteAccepted,
			hostingv1.ConditionCertificateReady, hostingv1.ConditionSiteAvailable, hostingv1.ConditionDNSReady, hostingv1.ConditionReady} {
			Expect(meta.IsStatusConditionTrue(s.Status.Conditions, c)).To(BeTrue(), c)
		}
		Expect(meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionRouteAccepted).Message).To(Equal(
			"HTTPRoute web-dinkes/web is accepted by Gateway gateway-system/sites and ListenerSet web-dinkes/web"))
		Expect(meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionCertificateReady).Message).To(Equal(
			"Certificate web-dinkes/web-tls is issued by ClusterIssuer letsencrypt-kudus"))
		Expect(meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionReady).Message).To(Equal(
			"the site serves and its name resolves: https://dinkes.kuduskab.go.id"))
		Expect(meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionDNSReady).Message).To(ContainSubstring("A " + targetIP))
		prov := s.Status.Steps[4]
		Expect(prov.Name).To(Equal(hostingv1.StepProvisioning))
		Expect(prov.State).To(Equal(hostingv1.StepStateDone))
		Expect(prov.Breached).To(BeFalse())

		out := mustKubectl("pemohon-dinkes", "get", "sdr")
		Expect(out).To(MatchRegexp(`dinkes\s+dinkes\s+Dinas Kesehatan Kabupaten Kudus\s+Ready`))
	})

	It("provisioned every object with the right content", func() {
		namespace := &corev1.Namespace{}
		Expect(exists(namespace, "", ns)()).To(Succeed())
		Expect(namespace.Labels).To(HaveKeyWithValue(hostingv1.SubdomainLabel, name))

		quota := &corev1.ResourceQuota{}
		Expect(exists(quota, ns, "plan")()).To(Succeed())
		Expect(quota.Spec.Hard[corev1.ResourceLimitsMemory]).To(Equal(resource.MustParse("1Gi")))
		Expect(quota.Spec.Hard[corev1.ResourcePods]).To(Equal(resource.MustParse("10")))
		Expect(exists(&corev1.LimitRange{}, ns, "defaults")()).To(Succeed())

		np := &networkingv1.NetworkPolicy{}
		Expect(exists(np, ns, "allow-ingress-and-namespace")()).To(Succeed())
		Expect(np.Spec.Ingress[0].From[0].NamespaceSelector.MatchLabels).To(HaveKeyWithValue("kubernetes.io/metadata.name", "gateway-system"))

		rb := &rbacv1.RoleBinding{}
		Expect(exists(rb, ns, "site-editors")()).To(Succeed())
		Expect(rb.RoleRef.Name).To(Equal("edit"))
		Expect(rb.Subjects).To(ConsistOf(rbacv1.Subject{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "opd:dinkes"}))

		cm := &corev1.ConfigMap{}
		Expect(exists(cm, ns, "starter-site")()).To(Succeed())
		Expect(cm.Data["index.html"]).To(ContainSubstring("Dinas Kesehatan Kabupaten Kudus"))
		Expect(cm.Data["index.html"]).To(ContainSubstring("sedang disiapkan"))
		Expect(exists(&appsv1.Deployment{}, ns, "web")()).To(Succeed())
		svc := &corev1.Service{}
		Expect(exists(svc, ns, "web")()).To(Succeed())
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(80)))

		// routing: gateway (the default): the route on the shared Gateway and, with TLS,
		// on the site's own HTTPS listener; no Ingress.
		route := &gatewayv1.HTTPRoute{}
		Expect(exists(route, ns, "web")()).To(Succeed())
		Expect(route.Spec.Hostnames).To(Equal([]gatewayv1.Hostname{"dinkes.kuduskab.go.id"}))
		Expect(route.Spec.ParentRefs).To(HaveLen(2))
		shared := route.Spec.ParentRefs[0]
		Expect(*shared.Kind).To(Equal(gatewayv1.Kind("Gateway")))
		Expect(*shared.Namespace).To(Equal(gatewayv1.Namespace("gateway-system")))
		Expect(shared.Name).To(Equal(gatewayv1.ObjectName("sites")))
		Expect(shared.SectionName).To(BeNil())
		own := route.Spec.ParentRefs[1]
		Expect(*own.Kind).To(Equal(gatewayv1.Kind("ListenerSet")))
		Expect(own.Name).To(Equal(gatewayv1.ObjectName("web")))
		Expect(own.Namespace).To(BeNil(), "the ListenerSet in the route's own namespace")
		Expect(*own.SectionName).To(Equal(gatewayv1.SectionName("https")))
		Expect(route.Spec.Rules).To(HaveLen(1))
		Expect(*route.Spec.Rules[0].Matches[0].Path.Value).To(Equal("/"))
		Expect(route.Spec.Rules[0].BackendRefs).To(HaveLen(1))
		backend := route.Spec.Rules[0].BackendRefs[0]
		Expect(*backend.Kind).To(Equal(gatewayv1.Kind("Service")))
		Expect(backend.Name).To(Equal(gatewayv1.ObjectName("web")))
		Expect(*backend.Port).To(Equal(gatewayv1.PortNumber(80)))

		ls := &gatewayv1.ListenerSet{}
		Expect(exists(ls, ns, "web")()).To(Succeed())
		Expect(*ls.Spec.ParentRef.Namespace).To(Equal(gatewayv1.Namespace("gateway-system")))
		Expect(ls.Spec.ParentRef.Name).To(Equal(gatewayv1.ObjectName("sites")))
		Expect(ls.Spec.Listeners).To(HaveLen(1))
		listener := ls.Spec.Listeners[0]
		Expect(listener.Name).To(Equal(gatewayv1.SectionName("https")))
		Expect(*listener.Hostname).To(Equal(gatewayv1.Hostname("dinkes.kuduskab.go.id")))
		Expect(listener.Protocol).To(Equal(gatewayv1.HTTPSProtocolType))
		Expect(listener.Port).To(Equal(gatewayv1.PortNumber(443)))
		Expect(listener.TLS.CertificateRefs).To(HaveLen(1))
		Expect(listener.TLS.CertificateRefs[0].Name).To(Equal(gatewayv1.ObjectName("web-tls")))

		cert := certificate(ns)
		Expect(cert).NotTo(BeNil())
		dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
		Expect(dnsNames).To(Equal([]string{"dinkes.kuduskab.go.id"}))
		issuer, _, _ := unstructured.NestedStringMap(cert.Object, "spec", "issuerRef")
		Expect(issuer).To(Equal(map[string]string{"group": "cert-manager.io", "kind": "ClusterIssuer", "name": "letsencrypt-kudus"}))
		secretName, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
		Expect(secretName).To(Equal("web-tls"))
		Expect(cert.GetLabels()).To(HaveKeyWithValue(hostingv1.SubdomainLabel, name))

		Expect(apierrors.IsNotFound(exists(&networkingv1.Ingress{}, ns, "web")())).To(BeTrue(), "no Ingress with routing: gateway")

		ep := &externaldnsv1.DNSEndpoint{}
		Expect(exists(ep, ns, "web")()).To(Succeed())
		Expect(ep.Spec.Endpoints[0].DNSName).To(Equal("dinkes.kuduskab.go.id"))
		Expect(ep.Spec.Endpoints[0].RecordType).To(Equal("A"))
		Expect([]string(ep.Spec.Endpoints[0].Targets)).To(Equal([]string{targetIP}))
	})

	It("puts back a deleted HTTPRoute and an edited quota", func() {
		mustKubectl("admin", "-n", ns, "delete", "httproute", "web")
		Eventually(func() []gatewayv1.Hostname {
			route := &gatewayv1.HTTPRoute{}
			if err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web"}, route); err != nil || !route.DeletionTimestamp.IsZero() {
				return nil
			}
			return route.Spec.Hostnames
		}).Should(Equal([]gatewayv1.Hostname{"dinkes.kuduskab.go.id"}))
		mustKubectl("admin", "-n", ns, "patch", "resourcequota", "plan", "--type=merge", "-p", `{"spec":{"hard":{"pods":"500"}}}`)
		Eventually(func() string {
			q := &corev1.ResourceQuota{}
			_ = admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "plan"}, q)
			p := q.Spec.Hard[corev1.ResourcePods]
			return p.String()
		}).Should(Equal("10"))
	})

	It("refuses an Ingress elsewhere that claims the granted host, naming the owner request", func() {
		mustKubectl("admin", "create", "namespace", "pembajak")
		out, err := kubectl("admin", "-n", "pembajak", "create", "ingress", "curi", "--rule=dinkes.kuduskab.go.id/*=web:80")
		Expect(err).To(HaveOccurred())
		// Refused by the grant (naming the owner) or, first, by the deny-by-default rule
		// (pembajak is no site namespace): whichever policy the API server asks first.
		Expect(out).To(ContainSubstring("host dinkes.kuduskab.go.id is "))
		Expect(out).To(ContainSubstring("an Ingress in namespace pembajak cannot serve it"))
		// A host outside the base domain is none of the policies' business.
		mustKubectl("admin", "-n", "pembajak", "create", "ingress", "lain", "--rule=lain-sekali.example.org/*=web:80")

		// Likewise an HTTPRoute there, which a Gateway would serve.
		path := filepath.Join(workDir, "curi-route.yaml")
		Expect(os.WriteFile(path, []byte(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: curi, namespace: pembajak}
spec:
  parentRefs: [{name: sites, namespace: gateway-system}]
  hostnames: [dinkes.kuduskab.go.id]
  rules: [{backendRefs: [{name: web, port: 80}]}]
`), 0o644)).To(Succeed())
		out, err = kubectl("admin", "apply", "-f", path)
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("host dinkes.kuduskab.go.id is "))
		Expect(out).To(ContainSubstring("an HTTPRoute in namespace pembajak cannot serve it"))
	})

	It("with deletionPolicy Retain, deleting the request leaves the site and the DNS answer", func() {
		mustKubectl("pemohon-dinkes", "delete", "sdr", name, "--wait=true", "--timeout=60s")
		Expect(apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{}))).To(BeTrue())
		namespace := &corev1.Namespace{}
		Expect(exists(namespace, "", ns)()).To(Succeed())
		Expect(namespace.DeletionTimestamp.IsZero()).To(BeTrue())
		Expect(namespace.Labels).NotTo(HaveKey(hostingv1.RequestLabel))
		Expect(namespace.OwnerReferences).To(BeEmpty())
		for _, obj := range []client.Object{&gatewayv1.HTTPRoute{}, &gatewayv1.ListenerSet{}, &externaldnsv1.DNSEndpoint{}, &appsv1.Deployment{}} {
			Expect(exists(obj, ns, "web")()).To(Succeed())
			Expect(obj.GetOwnerReferences()).To(BeEmpty())
		}
		Expect(certificate(ns).GetOwnerReferences()).To(BeEmpty())
		Consistently(dig(name), "3s").Should(Equal([]string{targetIP}))
	})
})

var _ = Describe("Names and owners", func() {
	It("returns a name that already has a record in the DNS zone, and leaves the record alone", func() {
		applyRequest("lama", takenInZone, "Retain")
		Eventually(phaseOf("lama")).Should(Equal(hostingv1.PhaseReturnedToApplicant))
		c := meta.FindStatusCondition(getSDR("lama").Status.Conditions, hostingv1.ConditionNameAvailable)
		Expect(c.Reason).To(Equal(hostingv1.ReasonNameInDNSZone))
		Expect(c.Message).To(Equal("lama.kuduskab.go.id already has a record in the DNS zone: A " + takenIP))
		Expect(dig(takenInZone)()).To(Equal([]string{takenIP}))
	})

	It("deletes a request that never got its site at once, even with deletionPolicy Delete, and leaves the zone's record alone", func() {
		applyRequest("lama-hapus", takenInZone, "Delete")
		Eventually(phaseOf("lama-hapus")).Should(Equal(hostingv1.PhaseReturnedToApplicant))
		Expect(getSDR("lama-hapus").Finalizers).To(ContainElement(hostingv1.Finalizer), "the finalizer is added when the request is first seen")
		// Nothing of its own to withdraw: no wait for the DNS server, which keeps
		// answering for someone else's record.
		mustKubectl("pemohon-dinkes", "delete", "sdr", "lama-hapus", "--wait=true", "--timeout=20s")
		Expect(apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: "lama-hapus"}, &hostingv1.SubdomainRequest{}))).To(BeTrue())
		Expect(dig(takenInZone)()).To(Equal([]string{takenIP}))
	})

	It("of two requests for one name approved together, gives one site and returns the other", func() {
		applyRequest("kembar-a", "kembar", "Retain")
		applyRequest("kembar-b", "kembar", "Retain")
		for _, n := range []string{"kembar-a", "kembar-b"} {
			for _, a := range [][2]string{{"budi", "kepala-dinas"}, {"agus", "kepala-bidang-informatika"}, {"dewi", "kepala-seksi-ti-persandian"}} {
				_, _ = kubectl(a[0], "annotate", "sdr", n, hostingv1.ApprovalAnnotationPrefix+a[1]+"="+a[0])
			}
		}
		Eventually(func() []hostingv1.Phase {
			return []hostingv1.Phase{phaseOf("kembar-a")(), phaseOf("kembar-b")()}
		}, "90s").Should(ConsistOf(hostingv1.PhaseReady, hostingv1.PhaseReturnedToApplicant))
		var routes gatewayv1.HTTPRouteList
		Expect(admin.List(ctx, &routes, client.MatchingLabels{hostingv1.SubdomainLabel: "kembar"})).To(Succeed())
		Expect(routes.Items).To(HaveLen(1))
		Expect(dig("kembar")()).To(Equal([]string{targetIP}))
	})

	It("reports a Namespace that exists and is not ours, and leaves it untouched", func() {
		mustKubectl("admin", "create", "namespace", "web-asing")
		mustKubectl("admin", "-n", "web-asing", "create", "configmap", "data-penting", "--from-literal=isi=jangan-dihapus")
		applyRequest("asing", "asing", "Delete")
		approveAll("asing")
		Eventually(func() string {
			c := meta.FindStatusCondition(getSDR("asing").Status.Conditions, hostingv1.ConditionNamespaceReady)
			if c == nil {
				return ""
			}
			return c.Reason + ": " + c.Message
		}).Should(Equal("Conflict: Namespace web-asing exists and was not created by this operator; it is left untouched"))
		Expect(getSDR("asing").Status.Phase).NotTo(Equal(hostingv1.PhaseReady))
		namespace := &corev1.Namespace{}
		Expect(exists(namespace, "", "web-asing")()).To(Succeed())
		Expect(namespace.Labels).NotTo(HaveKey(hostingv1.RequestLabel))
		Expect(exists(&corev1.ConfigMap{}, "web-asing", "data-penting")()).To(Succeed())
		Expect(apierrors.IsNotFound(exists(&gatewayv1.HTTPRoute{}, "web-asing", "web")())).To(BeTrue())
		// Deleting the request (policy Delete) must not delete what was never ours.
		mustKubectl("pemohon-dinkes", "delete", "sdr", "asing", "--wait=true", "--timeout=60s")
		Expect(exists(namespace, "", "web-asing")()).To(Succeed())
		Expect(namespace.DeletionTimestamp.IsZero()).To(BeTrue())
	})

	It("with deletionPolicy Delete, withdraws the DNS record first, then the HTTPRoute and the Namespace", func() {
		applyRequest("hapus", "hapus", "Delete")
		approveAll("hapus")
		Eventually(phaseOf("hapus"), "90s").Should(Equal(hostingv1.PhaseReady))
		Expect(dig("hapus")()).To(Equal([]string{targetIP}))

		deletions := watchDeletions("web-hapus", "HTTPRoute", "ListenerSet")
		mustKubectl("pemohon-dinkes", "delete", "sdr", "hapus", "--wait=false")
		Eventually(func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: "hapus"}, &hostingv1.SubdomainRequest{}))
		}, "90s").Should(BeTrue())
		Expect(digStatus("hapus")()).To(Equal("NXDOMAIN"))
		// The DNS record, then the route (the site's listener and the HTTPRoute), then
		// the Namespace with the rest.
		Eventually(deletions.order).Should(HaveLen(4))
		order := deletions.order()
		Expect(order[0]).To(Equal("DNSEndpoint"), "%v", order)
		Expect(order[1:3]).To(ConsistOf("ListenerSet", "HTTPRoute"), "%v", order)
		Expect(order[3]).To(Equal("Namespace"), "%v", order)
		Expect(apierrors.IsNotFound(exists(&externaldnsv1.DNSEndpoint{}, "web-hapus", "web")())).To(BeTrue())
		Expect(apierrors.IsNotFound(exists(&gatewayv1.HTTPRoute{}, "web-hapus", "web")())).To(BeTrue())
		namespace := &corev1.Namespace{}
		err := exists(namespace, "", "web-hapus")()
		// envtest runs no namespace controller: the Namespace stays Terminating.
		Expect(err == nil && !namespace.DeletionTimestamp.IsZero() || apierrors.IsNotFound(err)).To(BeTrue())
		if err == nil {
			Expect(namespace.Status.Phase).To(Equal(corev1.NamespaceTerminating))
		}
	})

	It("killed with SIGKILL right after it created the Namespace, finishes with exactly one set of objects when started again", func() {
		applyRequest("restart", "restart", "Retain")
		approveAll("restart")
		Eventually(exists(&corev1.Namespace{}, "", "web-restart"), "30s", "20ms").Should(Succeed())
		operator.Kill()
		operator = startOperator()
		Eventually(phaseOf("restart"), "90s").Should(Equal(hostingv1.PhaseReady))
		for _, list := range []client.ObjectList{&gatewayv1.HTTPRouteList{}, &gatewayv1.ListenerSetList{}, certificateList(),
			&externaldnsv1.DNSEndpointList{}, &appsv1.DeploymentList{}, &corev1.ServiceList{}} {
			Expect(admin.List(ctx, list, client.MatchingLabels{hostingv1.SubdomainLabel: "restart"})).To(Succeed())
			Expect(meta.LenList(list)).To(Equal(1))
		}
		var namespaces corev1.NamespaceList
		Expect(admin.List(ctx, &namespaces, client.MatchingLabels{hostingv1.SubdomainLabel: "restart"})).To(Succeed())
		Expect(namespaces.Items).To(HaveLen(1))
		Expect(dig("restart")()).To(Equal([]string{targetIP}))
		claims := 0
		for _, line := range strings.Split(operator.Log(), "\n") {
			if strings.Contains(line, "claimed name") && strings.Contains(line, `"namespace": "web-restart"`) {
				claims++
			}
		}
		// The kill may land before the first log line is written; never two claims.
		Expect(claims).To(BeNumerically("<=", 1))
	})
})

var _ = metav1.Now
