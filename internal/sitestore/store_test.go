package sitestore

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

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

func TestDrifted(t *testing.T) {
	tests := map[string]struct {
		old, cur client.Object
		want     bool
	}{
		"a Deployment's status (same generation)": {metaAt("1", 3, nil), metaAt("2", 3, nil), false},
		"a Deployment's spec (new generation)":    {metaAt("1", 3, nil), metaAt("2", 4, nil), true},
		"a label removed":                         {metaAt("1", 3, map[string]string{"a": "b"}), metaAt("2", 3, nil), true},
		"kubectl's last-applied copy rewritten": {withAnn(metaAt("1", 3, nil), hostingv1.LastAppliedAnnotation, "x"),
			withAnn(metaAt("2", 3, nil), hostingv1.LastAppliedAnnotation, "y"), false},
		"an annotation changed": {withAnn(metaAt("1", 3, nil), hostingv1.CertManagerIssuerAnnotation, "x"),
			withAnn(metaAt("2", 3, nil), hostingv1.CertManagerIssuerAnnotation, "y"), true},
		"a ConfigMap changed (no generation)": {metaAt("1", 0, nil), metaAt("2", 0, nil), true},
		"a resync (same resourceVersion)":     {metaAt("1", 0, nil), metaAt("1", 0, nil), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, o, err := entryOf(tc.old, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, n, err := entryOf(tc.cur, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := drifted(o, n); got != tc.want {
				t.Fatalf("drifted = %v, want %v", got, tc.want)
			}
		})
	}
}

// Deletions and drift become work for the owner request; other people's hosts become
// work for the requests that want them.
func TestChangesBecomeWork(t *testing.T) {
	kinds := []Kind{
		{Name: "Deployment", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}},
		{Name: "Ingress", GVR: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}, Hosts: IngressHosts},
	}
	forHosts := func(_ context.Context, hosts []string) []reconcile.Request {
		var out []reconcile.Request
		for _, h := range hosts {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: "wants-" + h}})
		}
		return out
	}
	store := New(nil, kinds, forHosts)
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	store.queue, store.ctx = q, context.Background()
	queued := func() []string {
		var names []string
		for q.Len() > 0 {
			r, _ := q.Get()
			names = append(names, r.Name)
			q.Done(r)
			q.Forget(r)
		}
		slices.Sort(names)
		return names
	}
	expect := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Fatalf("%s: queued %v, want %v", what, got, want)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	deployments, ingresses := store.kinds["Deployment"], store.kinds["Ingress"]
	ours := metaAt("5", 1, map[string]string{hostingv1.RequestLabel: "dinkes"})
	must(deployments.Replace([]any{ours}, "5"))
	expect("the first list", queued())

	e, found, followed := store.Get("Deployment", "web-dinkes", "web")
	if !found || !followed || e.Request != "dinkes" || e.ResourceVersion != "5" {
		t.Fatalf("Get = %+v %v %v", e, found, followed)
	}
	must(deployments.Update(metaAt("6", 1, map[string]string{hostingv1.RequestLabel: "dinkes"})))
	expect("a rollout", queued())
	must(deployments.Update(metaAt("7", 2, map[string]string{hostingv1.RequestLabel: "dinkes"})))
	expect("a new generation", queued(), "dinkes")
	must(deployments.Delete(metaAt("7", 2, map[string]string{hostingv1.RequestLabel: "dinkes"})))
	expect("a deletion", queued(), "dinkes")
	if _, found, _ = store.Get("Deployment", "web-dinkes", "web"); found {
		t.Fatal("deleted object still found")
	}

	// Someone else's Ingress for dinkes.kuduskab.go.id, then moved to another host.
	foreign := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": "legacy", "namespace": "lama", "resourceVersion": "9", "generation": int64(1)},
		"spec":     map[string]any{"rules": []any{map[string]any{"host": "Dinkes.kuduskab.go.id"}}},
	}}
	must(ingresses.Add(foreign))
	expect("a foreign Ingress", queued(), "wants-dinkes.kuduskab.go.id")
	if got := store.ByHost("Ingress", "dinkes.kuduskab.go.id."); !slices.Equal(got, []HostUser{{Namespace: "lama", Name: "legacy"}}) {
		t.Fatalf("ByHost = %v", got)
	}
	moved := foreign.DeepCopy()
	must(unstructured.SetNestedSlice(moved.Object, []any{map[string]any{"host": "lama.kuduskab.go.id"}}, "spec", "rules"))
	moved.SetGeneration(2)
	must(ingresses.Update(moved))
	expect("a moved Ingress", queued(), "wants-dinkes.kuduskab.go.id", "wants-lama.kuduskab.go.id")
	statusOnly := moved.DeepCopy()
	statusOnly.SetResourceVersion("11")
	must(ingresses.Update(statusOnly))
	expect("a load balancer address", queued())
	if got := store.ByHost("Ingress", "dinkes.kuduskab.go.id"); len(got) != 0 {
		t.Fatalf("ByHost after the move = %v", got)
	}

	// The first list, streamed: the reflector keeps compact objects until the end.
	compact, err := ingresses.Transformer()(foreign)
	must(err)
	if _, ok := compact.(*compactObject); !ok {
		t.Fatalf("Transformer gave %T", compact)
	}
	fresh := New(nil, kinds, nil)
	must(fresh.kinds["Ingress"].Replace([]any{compact}, "9"))
	if got := fresh.ByHost("Ingress", "dinkes.kuduskab.go.id"); !slices.Equal(got, []HostUser{{Namespace: "lama", Name: "legacy"}}) {
		t.Fatalf("ByHost from compact objects = %v", got)
	}

	// A relist after a lost watch: what is gone was deleted.
	must(deployments.Add(ours))
	must(deployments.Replace(nil, "10"))
	expect("a relist without the object", queued(), "dinkes")
}
