package provisioning

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/apply"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
)

func exists(obj client.Object) error {
	return admin.Get(ctx, client.ObjectKeyFromObject(obj), obj)
}

func grantOf(sdr *hostingv1.SubdomainRequest) string {
	host := cfg.FQDN(sdr.Spec.Subdomain)
	cm := &corev1.ConfigMap{}
	if err := admin.Get(ctx, client.ObjectKey{Namespace: cfg.GrantedHosts.Namespace, Name: grants.Shard(cfg.GrantedHosts.Name, host)}, cm); err != nil {
		return err.Error()
	}
	return cm.Data[host]
}

// readyThenDeleted files a request, waits for its site, and has the applicant delete
// it; it returns the request as it was before the deletion.
func readyThenDeleted(prefix string, policy hostingv1.DeletionPolicy) (*hostingv1.SubdomainRequest, *hostingv1.SubdomainRequest) {
	s := file(prefix, policy)
	EventuallyWithOffset(1, phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
	sdr := get(s.Name)
	ExpectWithOffset(1, users["pemohon-dinkes"].Delete(ctx, sdr)).To(Succeed())
	EventuallyWithOffset(1, func() bool {
		return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: s.Name}, &hostingv1.SubdomainRequest{}))
	}).Should(BeTrue())
	return s, sdr
}

var _ = Describe("Provisioning, as the operator's confined identity", func() {
	It("makes every part of the site, records the grant and becomes Ready", func() {
		s := file("situs", hostingv1.DeletionPolicyRetain)
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		sdr := get(s.Name)
		for _, want := range controllers.DesiredObjects(cfg, sdr) {
			got := want.DeepCopyObject().(client.Object)
			Expect(exists(got)).To(Succeed(), apply.KindOf(want))
			Expect(got.GetLabels()).To(HaveKeyWithValue(hostingv1.RequestLabel, s.Name))
			Expect(apply.Subset(want, got)).To(BeTrue(), apply.KindOf(want))
		}
		Expect(grantOf(sdr)).To(Equal("web-" + s.Name + " " + s.Name))
		Expect(sdr.Finalizers).To(ContainElement(hostingv1.Finalizer))
		Expect(meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionDNSReady).Reason).To(Equal("NotVerified"))
		Expect(meta.IsStatusConditionTrue(sdr.Status.Conditions, hostingv1.ConditionHostExclusive)).To(BeTrue())
	})

	It("puts back what someone deleted or changed, and a removed grant", func() {
		s := file("drift", hostingv1.DeletionPolicyRetain)
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		ns := "web-" + s.Name
		Expect(admin.Delete(ctx, &gatewayv1.HTTPRoute{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)})).To(Succeed())
		Eventually(func() error {
			route := &gatewayv1.HTTPRoute{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)}
			if err := exists(route); err != nil {
				return err
			}
			if !route.DeletionTimestamp.IsZero() {
				return apierrors.NewNotFound(gatewayv1.Resource("httproutes"), "being deleted")
			}
			return nil
		}).Should(Succeed())
		q := &corev1.ResourceQuota{ObjectMeta: metav1ObjectMeta(ns, controllers.QuotaName)}
		Expect(exists(q)).To(Succeed())
		Expect(admin.Patch(ctx, q, client.RawPatch(client.Merge.Type(), []byte(`{"spec":{"hard":{"pods":"500"}}}`)))).To(Succeed())
		Eventually(func() string {
			_ = exists(q)
			p := q.Spec.Hard[corev1.ResourcePods]
			return p.String()
		}).Should(Equal("10"))

		sdr := get(s.Name)
		host := cfg.FQDN(s.Name)
		patch, err := json.Marshal(map[string]any{"data": map[string]any{host: nil}})
		Expect(err).NotTo(HaveOccurred())
		shard := &corev1.ConfigMap{ObjectMeta: metav1ObjectMeta(cfg.GrantedHosts.Namespace, grants.Shard(cfg.GrantedHosts.Name, host))}
		Expect(admin.Patch(ctx, shard, client.RawPatch(client.Merge.Type(), patch))).To(Succeed())
		Eventually(func() string { return grantOf(sdr) }).Should(Equal("web-" + s.Name + " " + s.Name))
	})

	It("puts back a finalizer a cluster administrator removed", func() {
		s := file("finalizer", hostingv1.DeletionPolicyRetain)
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		Expect(admin.Patch(ctx, get(s.Name), client.RawPatch(types.JSONPatchType, []byte(`[{"op":"remove","path":"/metadata/finalizers"}]`)))).To(Succeed())
		Eventually(func() []string { return get(s.Name).Finalizers }).Should(ContainElement(hostingv1.Finalizer))
	})

	It("leaves the starter site alone once the applicant took it over, and reads whether theirs serves", func() {
		s := file("ambil", hostingv1.DeletionPolicyRetain)
		Eventually(phaseOf(s.Name)).Should(Equal(hostingv1.PhaseReady))
		// Nothing stands in for the Deployment controller here from now on: the
		// applicant's new version stays not rolled out.
		standIn.Hold("web-" + s.Name)
		DeferCleanup(standIn.Release, "web-"+s.Name)
		d := &appsv1.Deployment{ObjectMeta: metav1ObjectMeta("web-"+s.Name, controllers.SiteName)}
		Expect(admin.Patch(ctx, d, client.RawPatch(types.JSONPatchType,
			[]byte(`[{"op":"remove","path":"/metadata/labels/hosting.kuduskab.go.id~1request"},{"op":"replace","path":"/spec/replicas","value":3}]`)))).To(Succeed())
		Consistently(func() int32 {
			_ = exists(d)
			return *d.Spec.Replicas
		}, "2s").Should(Equal(int32(3)))
		Expect(get(s.Name).Status.Phase).To(Equal(hostingv1.PhaseReady))
		Eventually(func() string {
			c := meta.FindStatusCondition(get(s.Name).Status.Conditions, hostingv1.ConditionSiteAvailable)
			return c.Reason + ": " + c.Message
		}).Should(Equal(hostingv1.ReasonSiteUnavailable + ": Deployment web is not rolled out yet: the Deployment controller has not seen its latest version"))
	})

	It("with Retain, releases the site and keeps its host granted", func() {
		s, sdr := readyThenDeleted("simpan", hostingv1.DeletionPolicyRetain)
		for _, obj := range controllers.DesiredObjects(cfg, sdr) {
			Expect(exists(obj)).To(Succeed(), apply.KindOf(obj))
			Expect(obj.GetLabels()).NotTo(HaveKey(hostingv1.RequestLabel))
			Expect(obj.GetAnnotations()).To(HaveKeyWithValue(hostingv1.RetainedFromAnnotation, s.Name))
			Expect(obj.GetOwnerReferences()).To(BeEmpty())
		}
		Expect(grantOf(sdr)).To(Equal("web-" + s.Name + " " + s.Name))
	})

	It("with Delete, deletes the DNS record, then the route, then the Namespace, and releases the host", func() {
		s, sdr := readyThenDeleted("hapus", hostingv1.DeletionPolicyDelete)
		ns := "web-" + s.Name
		Expect(apierrors.IsNotFound(exists(&externaldnsv1.DNSEndpoint{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)}))).To(BeTrue())
		Expect(apierrors.IsNotFound(exists(&gatewayv1.HTTPRoute{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)}))).To(BeTrue())
		Expect(apierrors.IsNotFound(exists(&gatewayv1.ListenerSet{ObjectMeta: metav1ObjectMeta(ns, controllers.SiteName)}))).To(BeTrue())
		namespace := &corev1.Namespace{ObjectMeta: metav1ObjectMeta("", ns)}
		// envtest runs no namespace controller: the Namespace stays Terminating.
		err := exists(namespace)
		Expect(apierrors.IsNotFound(err) || err == nil && !namespace.DeletionTimestamp.IsZero()).To(BeTrue())
		Expect(grantOf(sdr)).To(BeEmpty())
	})
})
