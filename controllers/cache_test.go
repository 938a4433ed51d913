package controllers

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/requestcache"
)

var _ = Describe("What the cache keeps of a request", func() {
	It("keeps of a request's managedFields only the decisions, and dates them as before", func() {
		t1 := metav1.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		t2 := metav1.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
		sdr := &hostingv1.SubdomainRequest{ObjectMeta: metav1.ObjectMeta{Name: "dinkes", ManagedFields: []metav1.ManagedFieldsEntry{
			{Manager: "kubectl-create", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t1,
				FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:subdomain":{},"f:purpose":{}}}`)},
			{Manager: "kubectl-subdomain-kepala-dinas", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t2,
				FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:metadata":{"f:annotations":{"f:approval.hosting.kuduskab.go.id/kepala-dinas":{},"f:note":{}}}}`)},
			{Manager: "subdomain-operator", Operation: metav1.ManagedFieldsOperationUpdate, Time: &t2, Subresource: "status",
				FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:status":{"f:phase":{}}}`)},
		}}}
		before := decisionTime(sdr.DeepCopy(), hostingv1.RoleKepalaDinas, t2.Add(time.Hour))
		out, err := requestcache.Transform(sdr)
		Expect(err).NotTo(HaveOccurred())
		got := out.(*hostingv1.SubdomainRequest)
		Expect(got.ManagedFields).To(HaveLen(1))
		Expect(got.ManagedFields[0].Manager).To(Equal("kubectl-subdomain-kepala-dinas"))
		Expect(string(got.ManagedFields[0].FieldsV1.GetRawBytes())).To(Equal(`{"f:metadata":{"f:annotations":{"f:approval.hosting.kuduskab.go.id/kepala-dinas":{}}}}`))
		Expect(decisionTime(got, hostingv1.RoleKepalaDinas, t2.Add(time.Hour))).To(Equal(before))
		Expect(before).To(Equal(t2.Time))
	})

})
