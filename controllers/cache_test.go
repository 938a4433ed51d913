package controllers

import (
	"context"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var _ = Describe("What the cache keeps", func() {
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
		out, err := transformRequest(sdr)
		Expect(err).NotTo(HaveOccurred())
		got := out.(*hostingv1.SubdomainRequest)
		Expect(got.ManagedFields).To(HaveLen(1))
		Expect(got.ManagedFields[0].Manager).To(Equal("kubectl-subdomain-kepala-dinas"))
		Expect(string(got.ManagedFields[0].FieldsV1.GetRawBytes())).To(Equal(`{"f:metadata":{"f:annotations":{"f:approval.hosting.kuduskab.go.id/kepala-dinas":{}}}}`))
		Expect(decisionTime(got, hostingv1.RoleKepalaDinas, t2.Add(time.Hour))).To(Equal(before))
		Expect(before).To(Equal(t2.Time))
	})

	It("spreads the grants over the shards and always puts a host in the same one", func() {
		seen := map[string]int{}
		for i := 0; i < 3200; i++ {
			seen[GrantShard("granted-hosts", fmt.Sprintf("unit-%d.kuduskab.go.id", i))]++
		}
		Expect(seen).To(HaveLen(GrantShards))
		for shard, n := range seen {
			Expect(shard).To(MatchRegexp(`^granted-hosts-[0-3][0-9]$`))
			Expect(n).To(BeNumerically(">", 50), shard) // 100 expected
		}
		Expect(GrantShard("granted-hosts", "dinkes.kuduskab.go.id")).To(Equal(GrantShard("granted-hosts", "dinkes.kuduskab.go.id")))
	})

	DescribeTable("drift: which updates of a provisioned object bring its request back",
		func(oldObj, newObj client.Object, want bool) {
			_, o, err := entryOf(oldObj, nil)
			Expect(err).NotTo(HaveOccurred())
			_, n, err := entryOf(newObj, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(drifted(o, n)).To(Equal(want))
		},
		Entry("a Deployment's status (same generation)", metaAt("1", 3, nil), metaAt("2", 3, nil), false),
		Entry("a Deployment's spec (new generation)", metaAt("1", 3, nil), metaAt("2", 4, nil), true),
		Entry("a label removed", metaAt("1", 3, map[string]string{"a": "b"}), metaAt("2", 3, nil), true),
		Entry("kubectl's last-applied copy rewritten", withAnn(metaAt("1", 3, nil), lastApplied, "x"), withAnn(metaAt("2", 3, nil), lastApplied, "y"), false),
		Entry("an annotation changed", withAnn(metaAt("1", 3, nil), CertManagerIssuer, "x"), withAnn(metaAt("2", 3, nil), CertManagerIssuer, "y"), true),
		Entry("a ConfigMap changed (no generation)", metaAt("1", 0, nil), metaAt("2", 0, nil), true),
		Entry("a resync (same resourceVersion)", metaAt("1", 0, nil), metaAt("1", 0, nil), false),
	)

	It("turns deletions and drift into work for the owner request, and other people's hosts into work for the requests that want them", func() {
		store := newChildStore(nil, true)
		q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
		defer q.ShutDown()
		store.queue, store.ctx = q, context.Background()
		store.forHosts = func(_ context.Context, hosts []string) []reconcile.Request {
			var out []reconcile.Request
			for _, h := range hosts {
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: "wants-" + h}})
			}
			return out
		}
		queued := func() []string {
			var names []string
			for q.Len() > 0 {
				r, _ := q.Get()
				names = append(names, r.Name)
				q.Done(r)
				q.Forget(r)
			}
			return names
		}
		deployments, ingresses := store.kinds["Deployment"], store.kinds["Ingress"]
		ours := metaAt("5", 1, map[string]string{hostingv1.RequestLabel: "dinkes"})
		Expect(deployments.Replace([]any{ours}, "5")).To(Succeed())
		Expect(queued()).To(BeEmpty(), "the first list is not work")

		e, found, followed := store.get("Deployment", "web-dinkes", "web")
		Expect(found && followed).To(BeTrue())
		Expect(e.request).To(Equal("dinkes"))
		Expect(e.resourceVersion).To(Equal("5"))

		Expect(deployments.Update(metaAt("6", 1, map[string]string{hostingv1.RequestLabel: "dinkes"}))).To(Succeed())
		Expect(queued()).To(BeEmpty(), "a rollout is not drift")
		Expect(deployments.Update(metaAt("7", 2, map[string]string{hostingv1.RequestLabel: "dinkes"}))).To(Succeed())
		Expect(queued()).To(Equal([]string{"dinkes"}))
		Expect(deployments.Delete(metaAt("7", 2, map[string]string{hostingv1.RequestLabel: "dinkes"}))).To(Succeed())
		Expect(queued()).To(Equal([]string{"dinkes"}))
		_, found, _ = store.get("Deployment", "web-dinkes", "web")
		Expect(found).To(BeFalse())

		// Someone else's Ingress for dinkes.kuduskab.go.id, then moved to another host.
		foreign := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
			"metadata": map[string]any{"name": "legacy", "namespace": "lama", "resourceVersion": "9", "generation": int64(1)},
			"spec":     map[string]any{"rules": []any{map[string]any{"host": "Dinkes.kuduskab.go.id"}}},
		}}
		Expect(ingresses.Add(foreign)).To(Succeed())
		Expect(queued()).To(Equal([]string{"wants-dinkes.kuduskab.go.id"}))
		Expect(store.byHost("Ingress", "dinkes.kuduskab.go.id.")).To(Equal([]hostUser{{Namespace: "lama", Name: "legacy"}}))
		moved := foreign.DeepCopy()
		Expect(unstructured.SetNestedSlice(moved.Object, []any{map[string]any{"host": "lama.kuduskab.go.id"}}, "spec", "rules")).To(Succeed())
		moved.SetGeneration(2)
		Expect(ingresses.Update(moved)).To(Succeed())
		Expect(queued()).To(ConsistOf("wants-dinkes.kuduskab.go.id", "wants-lama.kuduskab.go.id"))
		statusOnly := moved.DeepCopy()
		statusOnly.SetResourceVersion("11")
		Expect(ingresses.Update(statusOnly)).To(Succeed())
		Expect(queued()).To(BeEmpty(), "a load balancer address changes nobody's name")
		Expect(store.byHost("Ingress", "dinkes.kuduskab.go.id")).To(BeEmpty())

		// The first list, streamed: the reflector keeps compact objects until the end.
		compact, err := ingresses.Transformer()(foreign)
		Expect(err).NotTo(HaveOccurred())
		Expect(compact).To(BeAssignableToTypeOf(&compactObject{}))
		fresh := newChildStore(nil, true)
		Expect(fresh.kinds["Ingress"].Replace([]any{compact}, "9")).To(Succeed())
		Expect(fresh.byHost("Ingress", "dinkes.kuduskab.go.id")).To(Equal([]hostUser{{Namespace: "lama", Name: "legacy"}}))

		// A relist after a lost watch: what is gone was deleted.
		Expect(deployments.Add(ours)).To(Succeed())
		Expect(deployments.Replace(nil, "10")).To(Succeed())
		Expect(queued()).To(Equal([]string{"dinkes"}))
	})

	It("remembers an object as good only at the resourceVersion and desired state it was seen with", func() {
		var v verifiedObjects
		dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "web-dinkes"}}
		key, want := objectKey("Deployment", dep), desiredHash(dep)
		Expect(v.ok(key, "7", want)).To(BeFalse())
		v.set(key, "7", want)
		Expect(v.ok(key, "7", want)).To(BeTrue())
		Expect(v.ok(key, "8", want)).To(BeFalse())
		dep.Spec.Replicas = new(int32)
		Expect(v.ok(key, "7", desiredHash(dep))).To(BeFalse())
		Expect(v.ok(objectKey("Service", dep), "7", want)).To(BeFalse())
		v.forget(key)
		Expect(v.ok(key, "7", want)).To(BeFalse())
	})
})

func withAnn(o client.Object, k, v string) client.Object {
	o.SetAnnotations(map[string]string{k: v})
	return o
}

func metaAt(rv string, generation int64, labels map[string]string) client.Object {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "web-dinkes", ResourceVersion: rv, Generation: generation, Labels: labels},
	}
}
