package controllers

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// returned waits for the request to be back with the applicant and returns the
// NameAvailable condition.
func returned(name string) *metav1.Condition {
	EventuallyWithOffset(1, phaseOf(name)).Should(Equal(hostingv1.PhaseReturnedToApplicant))
	s := get(name)
	ExpectWithOffset(1, s.Status.WaitingFor).To(Equal("applicant"))
	c := meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionNameAvailable)
	ExpectWithOffset(1, c.Status).To(Equal(metav1.ConditionFalse))
	return c
}

// renameAndFinish changes the subdomain as the applicant and runs the chain to the end.
func renameAndFinish(name, newName string) {
	s := get(name)
	base := s.DeepCopy()
	s.Spec.Subdomain = newName
	ExpectWithOffset(1, applicant.Patch(ctx, s, client.MergeFrom(base))).To(Succeed())
	EventuallyWithOffset(1, func() bool {
		return meta.IsStatusConditionTrue(get(name).Status.Conditions, hostingv1.ConditionNameAvailable)
	}).Should(BeTrue())
	for _, a := range []struct {
		c    client.Client
		role hostingv1.Role
		user string
	}{{kepalaDinas, kd, "budi"}, {kepalaBidang, kb, "agus"}, {kepalaSeksi, ks, "dewi"}} {
		if _, done := get(name).Annotations[hostingv1.ApprovalAnnotation(a.role)]; !done {
			ExpectWithOffset(1, approve(a.c, name, a.role, a.user)).To(Succeed())
		}
	}
	EventuallyWithOffset(1, phaseOf(name)).Should(Equal(hostingv1.PhaseApproved))
}

var _ = Describe("The Kepala Seksi's name check", func() {
	It("returns a reserved name to the applicant, who renames it", func() {
		s := newRequest(uniqueName("reserved"))
		s.Spec.Subdomain = "helpdesktik"
		Expect(applicant.Create(ctx, s)).To(Succeed())
		c := returned(s.Name)
		Expect(c.Reason).To(Equal(hostingv1.ReasonNameReserved))
		Expect(c.Message).To(Equal("helpdesktik.kuduskab.go.id is on the platform's reserved list; choose another name"))
		renameAndFinish(s.Name, uniqueName("reserved-renamed"))
	})

	It("returns a name another request asked for first", func() {
		first := filed("first")
		s := newRequest(uniqueName("second"))
		s.Spec.Subdomain = first
		Expect(otherApplicant.Create(ctx, s)).To(Succeed())
		c := returned(s.Name)
		Expect(c.Reason).To(Equal(hostingv1.ReasonNameRequested))
		Expect(c.Message).To(Equal(first + ".kuduskab.go.id was requested earlier by request " + first + " (Dinas Kesehatan)"))
		// The first request is untouched.
		Expect(get(first).Status.Phase).To(Equal(hostingv1.PhasePendingKepalaDinas))

		// Rename by the applicant who filed it.
		base := get(s.Name)
		renamed := base.DeepCopy()
		renamed.Spec.Subdomain = uniqueName("second-renamed")
		Expect(otherApplicant.Patch(ctx, renamed, client.MergeFrom(base))).To(Succeed())
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhasePendingKepalaDinas))
	})

	It("returns a name an Ingress in the cluster already serves", func() {
		// A legacy site, served from one of the platform's legacy namespaces (the only
		// ones that may serve a host nobody was granted).
		label := uniqueName("ingress")
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: legacyNamespace, Name: label},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: label + ".kuduskab.go.id"}}}}
		Expect(admin.Create(ctx, ing)).To(Succeed())

		s := newRequest(label)
		Expect(applicant.Create(ctx, s)).To(Succeed())
		c := returned(s.Name)
		Expect(c.Reason).To(Equal(hostingv1.ReasonNameServedByIngress))
		Expect(c.Message).To(Equal(label + ".kuduskab.go.id is already served by Ingress " + legacyNamespace + "/" + label))
		renameAndFinish(s.Name, uniqueName("ingress-renamed"))
	})

	It("returns a name a DNSEndpoint already publishes", func() {
		label := uniqueName("dnsep")
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: label}}
		Expect(admin.Create(ctx, ns)).To(Succeed())
		ep := &externaldnsv1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: label, Name: "manual"},
			Spec: externaldnsv1.DNSEndpointSpec{Endpoints: []*endpoint.Endpoint{
				endpoint.NewEndpoint(label+".kuduskab.go.id", endpoint.RecordTypeA, "192.0.2.7")}}}
		Expect(admin.Create(ctx, ep)).To(Succeed())

		s := newRequest(label)
		Expect(applicant.Create(ctx, s)).To(Succeed())
		c := returned(s.Name)
		Expect(c.Reason).To(Equal(hostingv1.ReasonNameInDNSEndpoint))
		Expect(c.Message).To(Equal(label + ".kuduskab.go.id is already named by DNSEndpoint " + label + "/manual"))
		renameAndFinish(s.Name, uniqueName("dnsep-renamed"))
	})

	It("notices a name taken after the Kepala Seksi approved, and the rename needs the Kepala Seksi again", func() {
		name := filed("late")
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		Expect(approve(kepalaBidang, name, kb, "agus")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaSeksi))
		// While the Kepala Seksi is looking, the platform team serves the name by hand.
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: legacyNamespace, Name: name + "-manual"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: name + ".kuduskab.go.id"}}}}
		Expect(admin.Create(ctx, ing)).To(Succeed())
		returned(name)
		refused(approve(kepalaSeksi, name, ks, "dewi"), "the requested name is taken and the request is back with the applicant")

		s := get(name)
		base := s.DeepCopy()
		s.Spec.Subdomain = uniqueName("late-renamed")
		Expect(applicant.Patch(ctx, s, client.MergeFrom(base))).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaSeksi))
		Expect(approve(kepalaSeksi, name, ks, "dewi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseApproved))
	})
})
