package controllers

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var _ = Describe("The time standards", func() {
	It("flag SLABreached at the deadline of a waiting step, without any other event", func() {
		name := filed("sla")
		s := get(name)
		step := findStep(s.Status.Steps, hostingv1.StepKepalaDinas)
		Expect(step.TimeStandard.Duration).To(Equal(shortStandard))
		deadline := step.Deadline.Time
		Expect(meta.IsStatusConditionTrue(s.Status.Conditions, hostingv1.ConditionSLABreached)).To(BeFalse())

		// Nobody touches the request: only the requeue at the deadline can flip it.
		Eventually(func() bool {
			return meta.IsStatusConditionTrue(get(name).Status.Conditions, hostingv1.ConditionSLABreached)
		}, shortStandard+10*time.Second, 100*time.Millisecond).Should(BeTrue())
		s = get(name)
		c := meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionSLABreached)
		Expect(c.Reason).To(Equal(hostingv1.ReasonTimeStandardExceeded))
		Expect(c.Message).To(Equal("over the time standard: KepalaDinas (standard 4s)"))
		Expect(c.LastTransitionTime.Time).To(BeTemporally(">=", deadline))
		Expect(c.LastTransitionTime.Time).To(BeTemporally("<=", deadline.Add(3*time.Second)))
		Expect(findStep(s.Status.Steps, hostingv1.StepKepalaDinas).Breached).To(BeTrue())

		// The breach stays on the record after the late approval.
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaBidang))
		s = get(name)
		Expect(findStep(s.Status.Steps, hostingv1.StepKepalaDinas).Breached).To(BeTrue())
		Expect(findStep(s.Status.Steps, hostingv1.StepKepalaBidang).Breached).To(BeFalse())
	})
})
