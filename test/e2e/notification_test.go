package e2e

import (
	"fmt"
	"io"
	"k8s.io/client-go/rest"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var _ = Describe("Telling the applicant", Ordered, func() {
	const name = "kabar"
	const address = "kabar@kuduskab.go.id"

	It("sends one mail and one webhook POST when the site is Ready", func() {
		applyRequest(name, name, "Retain")
		approveAll(name)
		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))
		Eventually(mailsTo(address, "sudah aktif")).Should(HaveLen(1))
		mail := mailsTo(address, "sudah aktif")()[0]
		Expect(mail.Subject).To(Equal("Subdomain kabar.kuduskab.go.id sudah aktif / Your subdomain is ready"))
		Expect(mail.Text).To(ContainSubstring("Alamat situs   : https://kabar.kuduskab.go.id"))
		Expect(mail.Text).To(ContainSubstring("Namespace      : web-kabar"))
		Expect(mail.Text).To(ContainSubstring("Grup pengelola : opd:kabar"))
		Expect(mail.Text).To(ContainSubstring("English: your site https://kabar.kuduskab.go.id is ready"))
		Expect(mail.Text).To(ContainSubstring("kubectl -n web-kabar label deployment web hosting.kuduskab.go.id/request-"))

		Eventually(func() int { return len(webhook.postsFor(name)) }).Should(Equal(1))
		post := webhook.postsFor(name)[0]
		Expect(post).To(HaveKeyWithValue("event", "ready"))
		Expect(post).To(HaveKeyWithValue("url", "https://kabar.kuduskab.go.id"))
		Expect(post).To(HaveKeyWithValue("namespace", "web-kabar"))
		Expect(post).To(HaveKeyWithValue("email", address))

		s := getSDR(name)
		Expect(meta.IsStatusConditionTrue(s.Status.Conditions, hostingv1.ConditionApplicantNotified)).To(BeTrue())
		Expect(s.Status.NotifiedAt).NotTo(BeNil())
		Expect(s.Status.Steps[5].State).To(Equal(hostingv1.StepStateDone))
	})

	It("sends nothing more on another reconcile or after an operator restart", func() {
		mustKubectl("admin", "annotate", "sdr", name, "catatan=periksa-ulang")
		Consistently(mailsTo(address, "sudah aktif"), "3s").Should(HaveLen(1))
		operator.Stop()
		operator = startOperator()
		mustKubectl("admin", "annotate", "sdr", name, "catatan=setelah-restart", "--overwrite")
		Consistently(mailsTo(address, "sudah aktif"), "5s").Should(HaveLen(1))
		Expect(webhook.postsFor(name)).To(HaveLen(1))

		// An idle operator writes nothing: after a restart (which reconciles everything
		// again) neither the request nor anything it provisioned changes.
		versions := func() map[string]string {
			out := map[string]string{"request": getSDR(name).ResourceVersion}
			for _, list := range []client.ObjectList{&corev1.NamespaceList{}, &gatewayv1.HTTPRouteList{}, &gatewayv1.ListenerSetList{},
				certificateList(), &externaldnsv1.DNSEndpointList{}, &appsv1.DeploymentList{}, &corev1.ServiceList{},
				&corev1.ResourceQuotaList{}, &corev1.ConfigMapList{}} {
				Expect(admin.List(ctx, list, client.MatchingLabels{hostingv1.SubdomainLabel: name})).To(Succeed())
				Expect(meta.EachListItem(list, func(o runtime.Object) error {
					obj := o.(client.Object)
					out[fmt.Sprintf("%T/%s", o, obj.GetName())] = obj.GetResourceVersion()
					return nil
				})).To(Succeed())
			}
			return out
		}
		before := versions()
		Expect(before).To(HaveLen(10))
		readsBefore := objectReads()
		digests := func() (matched, other float64) {
			body := scrape()
			return metric(body, `subdomain_site_digest_checks_total{result="matched"}`),
				metric(body, `subdomain_site_digest_checks_total{result="changed"}`) + metric(body, `subdomain_site_digest_checks_total{result="missing"}`)
		}
		Expect(getSDR(name).Status.SiteDigest).To(HavePrefix("v1:"))
		operator.Stop()
		operator = startOperator()
		Consistently(versions, "8s", "500ms").Should(Equal(before))

		// The restarted operator trusted the sites whose objects are at the versions
		// their requests' siteDigest recorded, without reading them: the API server
		// served single-object GETs of the site kinds only for the sites whose digest
		// did not match (ten objects or so each; before the digest, one GET for every
		// object of every site).
		matched, other := digests()
		readsAfter := objectReads()
		gets := 0
		for resource, n := range readsAfter {
			gets += n - readsBefore[resource]
		}
		GinkgoWriter.Printf("after the restart: sites matched %v, not matched %v; single-object GETs of the site kinds: %d\n", matched, other, gets)
		Expect(matched).To(BeNumerically(">=", 1))
		Expect(float64(gets)).To(BeNumerically("<=", 12*other), "single-object GETs of the site kinds across the restart: %v, before %v", readsAfter, readsBefore)
	})

	It("retries while the SMTP server is down, never holds up Ready, and delivers once it is back", func() {
		mailpit.Stop()
		applyRequest("tunda", "tunda", "Retain")
		approveAll("tunda")
		Eventually(phaseOf("tunda"), "90s").Should(Equal(hostingv1.PhaseReady))
		Eventually(func() string {
			c := meta.FindStatusCondition(getSDR("tunda").Status.Conditions, hostingv1.ConditionApplicantNotified)
			if c == nil {
				return ""
			}
			return c.Reason + ": " + c.Message
		}).Should(MatchRegexp(`^NotificationFailed: telling the applicant \(ready\) failed, retrying: email: connecting to the SMTP server 127.0.0.1:\d+`))
		Expect(mailpit.Restart(ctx)).To(Succeed())
		Eventually(mailsTo("tunda@kuduskab.go.id", "sudah aktif"), "90s").Should(HaveLen(1))
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(getSDR("tunda").Status.Conditions, hostingv1.ConditionApplicantNotified)
		}).Should(BeTrue())
		Consistently(mailsTo("tunda@kuduskab.go.id", "sudah aktif"), "3s").Should(HaveLen(1))
		Expect(webhook.postsFor("tunda")).To(HaveLen(1))
	})

	It("tells the applicant when the request is returned and when it is rejected", func() {
		applyRequest("kembali", "www", "Retain")
		Eventually(phaseOf("kembali")).Should(Equal(hostingv1.PhaseReturnedToApplicant))
		Eventually(mailsTo("kembali@kuduskab.go.id", "dikembalikan")).Should(HaveLen(1))
		mail := mailsTo("kembali@kuduskab.go.id", "dikembalikan")()[0]
		Expect(mail.Text).To(ContainSubstring("www.kuduskab.go.id is on the platform's reserved list"))

		applyRequest("tolak", "tolak", "Retain")
		Eventually(phaseOf("tolak")).Should(Equal(hostingv1.PhasePendingKepalaDinas))
		mustKubectl("budi", "annotate", "sdr", "tolak", hostingv1.RejectionAnnotationPrefix+"kepala-dinas=budi",
			hostingv1.RejectionReasonAnnotation+"=Bukan kewenangan unit ini")
		Eventually(mailsTo("tolak@kuduskab.go.id", "ditolak")).Should(HaveLen(1))
		Expect(mailsTo("tolak@kuduskab.go.id", "ditolak")()[0].Text).To(ContainSubstring("Bukan kewenangan unit ini"))
		Eventually(func() int { return len(webhook.postsFor("tolak")) }).Should(Equal(1))
	})
})

var _ = Describe("Telling the applicant only once the site serves", func() {
	It("sends nothing while the pods, the certificate and the route are not there, then exactly one mail when they are", func() {
		const name = "tunggu"
		const ns = "web-" + name
		const address = name + "@kuduskab.go.id"
		const user = "pemohon-dinkes"
		// The stand-in leaves this site alone: nothing reports its parts serving until
		// the test says so.
		standIn.Hold(ns)
		DeferCleanup(standIn.Release, ns)
		applyRequest(name, name, "Retain")
		approveAll(name)

		By("the applicant reads, with kubectl, what the site still waits for")
		Eventually(conditionAsSeen(user, name, hostingv1.ConditionSiteAvailable), "90s").Should(Equal("False " + hostingv1.ReasonSiteUnavailable +
			": Deployment web is not rolled out yet: the Deployment controller has not seen its latest version"))
		Eventually(conditionAsSeen(user, name, hostingv1.ConditionCertificateReady)).Should(Equal("False " + hostingv1.ReasonCertificateNotReady +
			": Certificate web-tls has no status yet: cert-manager has not processed it (is cert-manager running, and does its issuer exist?)"))
		routeNotAccepted := "HTTPRoute web is not accepted by every parent: Gateway gateway-system/sites has not taken it up yet (no status from its controller); " +
			"ListenerSet " + ns + "/web (https) has not taken it up yet (no status from its controller)"
		Eventually(conditionAsSeen(user, name, hostingv1.ConditionRouteAccepted)).Should(Equal("False " + hostingv1.ReasonRouteNotAccepted + ": " + routeNotAccepted))
		// The name resolves meanwhile: only the held parts keep the site from Ready.
		Eventually(dig(name), "90s").Should(Equal([]string{targetIP}))
		Eventually(conditionAsSeen(user, name, hostingv1.ConditionDNSReady)).Should(HavePrefix("True "))
		Eventually(conditionAsSeen(user, name, hostingv1.ConditionReady)).Should(Equal("False " + hostingv1.ReasonNotServing + ": not serving yet: " +
			"SiteAvailable (Deployment web is not rolled out yet: the Deployment controller has not seen its latest version); " +
			"RouteAccepted (" + routeNotAccepted + "); " +
			"CertificateReady (Certificate web-tls has no status yet: cert-manager has not processed it (is cert-manager running, and does its issuer exist?))"))
		Expect(mustKubectl(user, "get", "sdr", name, "-o", "jsonpath={.status.phase} {.status.url}")).To(Equal(
			"Provisioning http://tunggu.kuduskab.go.id"), "the URL is https only once the certificate is issued")
		Consistently(mailsTo(address, "sudah aktif"), "5s").Should(BeEmpty())
		Expect(webhook.postsFor(name)).To(BeEmpty())
		Expect(phaseOf(name)()).To(Equal(hostingv1.PhaseProvisioning))

		By("the pods are available, the certificate issued and the route accepted (written by the test, as their controllers would: " +
			"envtest runs no kubelet, Deployment controller, Gateway controller or cert-manager)")
		Expect(standIn.Serve(ctx, ns, "Deployment", "Certificate", "HTTPRoute")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseReady))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionReady)()).To(Equal("True " + hostingv1.ReasonProvisioned +
			": the site serves and its name resolves: https://tunggu.kuduskab.go.id"))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionSiteAvailable)()).To(Equal("True " + hostingv1.ReasonSiteAvailable +
			": Deployment " + ns + "/web is available"))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionCertificateReady)()).To(Equal("True " + hostingv1.ReasonCertificateIssued +
			": Certificate " + ns + "/web-tls is issued by ClusterIssuer letsencrypt-kudus"))
		Expect(conditionAsSeen(user, name, hostingv1.ConditionRouteAccepted)()).To(Equal("True " + hostingv1.ReasonRouteAccepted +
			": HTTPRoute " + ns + "/web is accepted by Gateway gateway-system/sites and ListenerSet " + ns + "/web"))
		Expect(getSDR(name).Status.URL).To(Equal("https://tunggu.kuduskab.go.id"))

		Eventually(mailsTo(address, "sudah aktif")).Should(HaveLen(1))
		Expect(mailsTo(address, "sudah aktif")()[0].Text).To(ContainSubstring("Alamat situs   : https://tunggu.kuduskab.go.id"))
		Eventually(func() int { return len(webhook.postsFor(name)) }).Should(Equal(1))
		Consistently(mailsTo(address, "sudah aktif"), "5s").Should(HaveLen(1))
		Expect(webhook.postsFor(name)).To(HaveLen(1))
	})
})

var _ = Describe("Metrics", func() {
	It("exports the step durations, the time to Ready and the requests by phase", func() {
		applyRequest("metrik", "metrik", "Retain")
		approveAll("metrik")
		Eventually(phaseOf("metrik"), "90s").Should(Equal(hostingv1.PhaseReady))

		var list hostingv1.SubdomainRequestList
		Expect(admin.List(ctx, &list)).To(Succeed())
		ready := 0
		for _, s := range list.Items {
			if s.Status.Phase == hostingv1.PhaseReady {
				ready++
			}
		}
		Eventually(scrape).Should(ContainSubstring(`subdomain_requests{phase="Ready"} ` + strconv.Itoa(ready)))
		body := scrape()
		for _, step := range []string{"KepalaDinas", "KepalaBidang", "KepalaSeksi", "Provisioning"} {
			count := regexp.MustCompile(`subdomain_step_duration_seconds_count\{step="` + step + `"\} (\d+)`).FindStringSubmatch(body)
			Expect(count).NotTo(BeNil(), step)
			n, _ := strconv.Atoi(count[1])
			Expect(n).To(BeNumerically(">=", 1), step)
		}
		Expect(body).To(MatchRegexp(`subdomain_last_approval_to_ready_seconds_count [1-9]`))
		Expect(body).To(MatchRegexp(`subdomain_last_approval_to_dns_answer_seconds_count [1-9]`))
		Expect(body).To(ContainSubstring(`subdomain_requests{phase="PendingKepalaDinas"}`))
	})
})

// objectReads is how many single-object GETs (not LISTs) of a site's namespaced kinds
// the API server has served, by resource, from its own metrics.
func objectReads() map[string]int {
	hc, err := rest.HTTPClientFor(env.Config)
	Expect(err).NotTo(HaveOccurred())
	resp, err := hc.Get(strings.TrimSuffix(env.Config.Host, "/") + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	Expect(resp.StatusCode).To(Equal(http.StatusOK), string(body))
	reads := map[string]int{}
	line := regexp.MustCompile(`(?m)^apiserver_request_total\{([^}]*)\} (\d+)$`)
	lines := line.FindAllStringSubmatch(string(body), -1)
	Expect(lines).NotTo(BeEmpty(), "the API server's request counts")
	for _, m := range lines {
		labels := m[1]
		if !strings.Contains(labels, `verb="GET"`) { // a single object; lists are verb LIST
			continue
		}
		resource := regexp.MustCompile(`resource="([^"]*)"`).FindStringSubmatch(labels)
		if resource == nil || strings.Contains(labels, `subresource="`) && !strings.Contains(labels, `subresource=""`) {
			continue
		}
		switch resource[1] {
		case "deployments", "services", "resourcequotas", "limitranges", "networkpolicies", "rolebindings",
			"httproutes", "listenersets", "certificates", "dnsendpoints":
			n, _ := strconv.Atoi(m[2])
			reads[resource[1]] += n
		}
	}
	return reads
}
