package e2e

import (
	"fmt"
	"regexp"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
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
			for _, list := range []client.ObjectList{&corev1.NamespaceList{}, &networkingv1.IngressList{}, &externaldnsv1.DNSEndpointList{},
				&appsv1.DeploymentList{}, &corev1.ServiceList{}, &corev1.ResourceQuotaList{}, &corev1.ConfigMapList{}} {
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
		Expect(before).To(HaveLen(8))
		operator.Stop()
		operator = startOperator()
		Consistently(versions, "8s", "500ms").Should(Equal(before))
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

var _ = client.IgnoreNotFound
var _ = harness.FreePort
