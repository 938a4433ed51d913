package controllers

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

const (
	kd = hostingv1.RoleKepalaDinas
	kb = hostingv1.RoleKepalaBidangInformatika
	ks = hostingv1.RoleKepalaSeksiTIPersandian
)

// filed creates a request as the applicant and waits until the operator registered it.
func filed(prefix string) string {
	s := newRequest(uniqueName(prefix))
	ExpectWithOffset(1, applicant.Create(ctx, s)).To(Succeed())
	EventuallyWithOffset(1, phaseOf(s.Name)).Should(Equal(hostingv1.PhasePendingKepalaDinas))
	return s.Name
}

func refused(err error, message string) {
	ExpectWithOffset(1, err).To(HaveOccurred())
	ExpectWithOffset(1, apierrors.IsForbidden(err) || apierrors.IsInvalid(err)).To(BeTrue(), err.Error())
	ExpectWithOffset(1, err.Error()).To(ContainSubstring(message))
}

var _ = Describe("The approval chain", func() {
	It("runs in the SOP's order and records who decided and when", func() {
		name := filed("happy")
		s := get(name)
		Expect(s.Status.WaitingFor).To(Equal("kepala-dinas"))

		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaBidang))
		Expect(approve(kepalaBidang, name, kb, "agus")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaSeksi))
		Expect(approve(kepalaSeksi, name, ks, "dewi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseApproved))

		s = get(name)
		Expect(s.Status.WaitingFor).To(Equal("operator"))
		Expect(meta.IsStatusConditionTrue(s.Status.Conditions, hostingv1.ConditionApproved)).To(BeTrue())
		Expect(meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionReady).Reason).To(Equal(hostingv1.ReasonAwaitingProvisioning))
		Expect(s.Status.ObservedGeneration).To(Equal(s.Generation))

		by := map[string]string{}
		for _, st := range s.Status.Steps {
			by[st.Name] = st.By
			if st.Name == hostingv1.StepKepalaDinas || st.Name == hostingv1.StepKepalaBidang || st.Name == hostingv1.StepKepalaSeksi {
				Expect(st.State).To(Equal(hostingv1.StepStateDone))
				Expect(st.StartedAt).NotTo(BeNil())
				Expect(st.DecidedAt).NotTo(BeNil())
				Expect(st.DecidedAt.Time).To(BeTemporally(">=", st.StartedAt.Time))
				Expect(st.DecidedAt.Time).To(BeTemporally("~", time.Now(), time.Minute))
				Expect(st.Took).NotTo(BeEmpty())
				Expect(st.TimeStandard).NotTo(BeNil())
			}
		}
		Expect(by).To(HaveKeyWithValue(hostingv1.StepSubmission, "pemohon-dinkes"))
		Expect(by).To(HaveKeyWithValue(hostingv1.StepKepalaDinas, "budi"))
		Expect(by).To(HaveKeyWithValue(hostingv1.StepKepalaBidang, "agus"))
		Expect(by).To(HaveKeyWithValue(hostingv1.StepKepalaSeksi, "dewi"))
		// Steps follow each other: each starts when the one before was decided.
		Expect(s.Status.Steps[2].StartedAt).To(Equal(s.Status.Steps[1].DecidedAt))
		Expect(s.Status.Steps[3].StartedAt).To(Equal(s.Status.Steps[2].DecidedAt))
	})

	Context("refuses forgery at admission", func() {
		It("the applicant approving their own request, even holding the role", func() {
			s := newRequest(uniqueName("self"))
			Expect(applicantRole.Create(ctx, s)).To(Succeed())
			refused(approve(applicantRole, s.Name, kd, "hadi"), "the applicant cannot approve their own request")
		})
		It("a user without the role", func() {
			name := filed("norole")
			refused(approve(outsider, name, kd, "eko"),
				"user eko does not hold the role kepala-dinas (needs the RBAC verb approve on subdomainrequests named kepala-dinas")
		})
		It("a role holder writing someone else's name", func() {
			name := filed("othername")
			refused(approve(kepalaDinas, name, kd, "sari"), "a decision must carry your own user name: write kepala-dinas=budi, not sari")
		})
		It("Kepala Bidang before Kepala Dinas", func() {
			name := filed("order1")
			refused(approve(kepalaBidang, name, kb, "agus"),
				"kepala-bidang-informatika cannot decide yet: the SOP order is kepala-dinas, then kepala-bidang-informatika, then kepala-seksi-ti-persandian, and kepala-dinas has not approved")
		})
		It("Kepala Seksi before Kepala Bidang", func() {
			name := filed("order2")
			Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
			refused(approve(kepalaSeksi, name, ks, "dewi"),
				"kepala-seksi-ti-persandian cannot decide yet: the SOP order is kepala-dinas, then kepala-bidang-informatika, then kepala-seksi-ti-persandian, and kepala-bidang-informatika has not approved")
		})
		It("one person approving two steps", func() {
			name := filed("twosteps")
			Expect(approve(twoRoles, name, kd, "rina")).To(Succeed())
			refused(approve(twoRoles, name, kb, "rina"), "rina already approved this request as kepala-dinas; one person cannot fill two steps")
		})
		It("two approvals in one change", func() {
			name := filed("twoatonce")
			refused(annotate(twoRoles, name, hostingv1.ApprovalAnnotation(kd), "rina", hostingv1.ApprovalAnnotation(kb), "rina"),
				"record one decision per change")
		})
		It("changing an approval once given", func() {
			name := filed("change")
			Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
			refused(approve(kepalaDinas2, name, kd, "sari"), "the approval of kepala-dinas was already given and cannot be changed or removed")
			refused(approve(admin, name, kd, "sari"), "the approval of kepala-dinas was already given and cannot be changed or removed")
		})
		It("removing an approval once given, even by the cluster administrator", func() {
			name := filed("remove")
			Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
			s := get(name)
			base := s.DeepCopy()
			delete(s.Annotations, hostingv1.ApprovalAnnotation(kd))
			refused(admin.Patch(ctx, s, client.MergeFrom(base)), "the approval of kepala-dinas was already given and cannot be changed or removed")
			Expect(get(name).Annotations).To(HaveKeyWithValue(hostingv1.ApprovalAnnotation(kd), "budi"))
		})
		It("pre-approved annotations in the manifest at creation", func() {
			s := newRequest(uniqueName("preapproved"))
			s.Annotations = map[string]string{hostingv1.ApprovalAnnotation(kd): "budi"}
			refused(applicant.Create(ctx, s), "a new SubdomainRequest cannot carry approvals or rejections")
			s.Annotations = map[string]string{hostingv1.RejectionAnnotation(kd): "budi"}
			refused(admin.Create(ctx, s), "a new SubdomainRequest cannot carry approvals or rejections")
		})
		It("changing the spec after the first approval", func() {
			name := filed("specchange")
			Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
			s := get(name)
			base := s.DeepCopy()
			s.Spec.Purpose = "Sesuatu yang lain"
			refused(applicant.Patch(ctx, s, client.MergeFrom(base)), "the spec cannot change after the first approval")
			s = get(name)
			base = s.DeepCopy()
			s.Spec.Hosting.Plan = hostingv1.PlanLarge
			refused(applicant.Patch(ctx, s, client.MergeFrom(base)), "the spec cannot change after the first approval")
			Expect(get(name).Spec.Hosting.Plan).To(Equal(hostingv1.PlanSmall))
		})
		It("an official changing the spec in the same change as the approval", func() {
			name := filed("specandapprove")
			s := get(name)
			base := s.DeepCopy()
			s.Spec.Purpose = "diubah oleh pejabat"
			s.Annotations[hostingv1.ApprovalAnnotation(kd)] = "budi"
			refused(kepalaDinas.Patch(ctx, s, client.MergeFrom(base)), "a change that records a decision cannot also change the spec")
		})
		It("someone else than the applicant changing the spec", func() {
			name := filed("specbyother")
			s := get(name)
			base := s.DeepCopy()
			s.Spec.Purpose = "diubah orang lain"
			refused(otherApplicant.Patch(ctx, s, client.MergeFrom(base)), "only the applicant who filed the request (pemohon-dinkes) can change its spec")
		})
		It("the operator's own service account approving", func() {
			name := filed("operator")
			refused(approve(operatorSA, name, kd, "system:serviceaccount:subdomain-operator-system:controller-manager"),
				"service accounts cannot approve or reject")
		})
		It("a rejection without a reason", func() {
			name := filed("noreason")
			refused(annotate(kepalaDinas, name, hostingv1.RejectionAnnotation(kd), "budi"), "a rejection needs a reason")
		})
	})

	It("lets the applicant change the spec before any approval", func() {
		name := filed("earlyedit")
		s := get(name)
		base := s.DeepCopy()
		s.Spec.Purpose = "Tujuan yang diperbaiki"
		Expect(applicant.Patch(ctx, s, client.MergeFrom(base))).To(Succeed())
	})

	DescribeTable("a rejection with a reason, at each step, is final",
		func(approvedBefore int, role hostingv1.Role, c func() client.Client, user string) {
			name := filed("reject")
			officials := []func() error{
				func() error { return approve(kepalaDinas, name, kd, "budi") },
				func() error { return approve(kepalaBidang, name, kb, "agus") },
			}
			for i := 0; i < approvedBefore; i++ {
				Expect(officials[i]()).To(Succeed())
			}
			Expect(reject(c(), name, role, user, "Nama kurang jelas; gunakan nama unit")).To(Succeed())
			Eventually(phaseOf(name)).Should(Equal(hostingv1.PhaseRejected))

			s := get(name)
			cond := meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionApproved)
			Expect(cond.Reason).To(Equal(hostingv1.ReasonRejected))
			Expect(cond.Message).To(ContainSubstring(user))
			Expect(cond.Message).To(ContainSubstring("Nama kurang jelas; gunakan nama unit"))
			Expect(s.Status.WaitingFor).To(BeEmpty())
			step := findStep(s.Status.Steps, s.Status.Steps[approvedBefore+1].Name)
			Expect(step.State).To(Equal(hostingv1.StepStateRejected))
			Expect(step.By).To(Equal(user))

			// Final: no more approvals, the rejection cannot be withdrawn, the spec is frozen.
			if approvedBefore < 2 {
				next := []hostingv1.Role{kb, ks}[approvedBefore]
				nextClient := []client.Client{kepalaBidang, kepalaSeksi}[approvedBefore]
				nextUser := []string{"agus", "dewi"}[approvedBefore]
				refused(approve(nextClient, name, next, nextUser), "this request was rejected; a rejected request is final")
			}
			s = get(name)
			base := s.DeepCopy()
			delete(s.Annotations, hostingv1.RejectionAnnotation(role))
			delete(s.Annotations, hostingv1.RejectionReasonAnnotation)
			refused(admin.Patch(ctx, s, client.MergeFrom(base)), "a rejection and its reason cannot be changed or removed")
			s = get(name)
			base = s.DeepCopy()
			s.Spec.Subdomain = s.Spec.Subdomain + "-baru"
			refused(applicant.Patch(ctx, s, client.MergeFrom(base)), "this request was rejected and cannot change")
			Consistently(phaseOf(name), "2s").Should(Equal(hostingv1.PhaseRejected))
		},
		Entry("by the Kepala Dinas", 0, kd, func() client.Client { return kepalaDinas }, "budi"),
		Entry("by the Kepala Bidang Informatika", 1, kb, func() client.Client { return kepalaBidang }, "agus"),
		Entry("by the Kepala Seksi TI dan Persandian", 2, ks, func() client.Client { return kepalaSeksi }, "dewi"),
	)
})

// The fragments the kubectl plugin recognises a refusal by (api/v1alpha1/refusals.go),
// each produced by the real API server.
var _ = Describe("The refusals the plugin explains", func() {
	It("carry the fragments the plugin recognises", func() {
		name := filed("plugin-msgs")
		refused(approve(outsider, name, kd, "eko"), hostingv1.RefusalNoRole)
		refused(approve(kepalaBidang, name, kb, "agus"), hostingv1.RefusalOutOfOrder)
		refused(approve(operatorSA, name, kd, "system:serviceaccount:subdomain-operator-system:controller-manager"), hostingv1.RefusalServiceAccount)
		Expect(approve(twoRoles, name, kd, "rina")).To(Succeed())
		refused(approve(twoRoles, name, kb, "rina"), hostingv1.RefusalTwoSteps)
		refused(approve(kepalaDinas2, name, kd, "sari"), hostingv1.RefusalDecided)

		own := newRequest(uniqueName("plugin-own"))
		Expect(applicantRole.Create(ctx, own)).To(Succeed())
		refused(approve(applicantRole, own.Name, kd, "hadi"), hostingv1.RefusalOwnRequest)

		rejected := filed("plugin-rejected")
		Expect(reject(kepalaDinas, rejected, kd, "budi", "Surat belum lengkap")).To(Succeed())
		refused(approve(kepalaBidang, rejected, kb, "agus"), hostingv1.RefusalRejected)

		back := newRequest(uniqueName("plugin-back"))
		back.Spec.Subdomain = "helpdesktik" // reserved: returned at once
		Expect(applicant.Create(ctx, back)).To(Succeed())
		Expect(approve(kepalaDinas, back.Name, kd, "budi")).To(Succeed())
		Expect(approve(kepalaBidang, back.Name, kb, "agus")).To(Succeed())
		Eventually(phaseOf(back.Name)).Should(Equal(hostingv1.PhaseReturnedToApplicant))
		refused(approve(kepalaSeksi, back.Name, ks, "dewi"), hostingv1.RefusalReturned)
	})
})
