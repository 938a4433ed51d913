package sitestore

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
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
		"an annotation changed": {withAnn(metaAt("1", 3, nil), "cert-manager.io/cluster-issuer", "x"),
			withAnn(metaAt("2", 3, nil), "cert-manager.io/cluster-issuer", "y"), true},
		"a ConfigMap changed (no generation)": {metaAt("1", 0, nil), metaAt("2", 0, nil), true},
		"a resync (same resourceVersion)":     {metaAt("1", 0, nil), metaAt("1", 0, nil), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, o, err := entryOf(tc.old, Kind{})
			if err != nil {
				t.Fatal(err)
			}
			_, n, err := entryOf(tc.cur, Kind{})
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

// A status that changes whether a part serves brings its request back; a status that
// does not (a second rollout counter) does not.
func TestReadinessBecomesWork(t *testing.T) {
	ready := func(u *unstructured.Unstructured) string {
		n, _, _ := unstructured.NestedInt64(u.Object, "status", "availableReplicas")
		if n > 0 {
			return ""
		}
		return "no replica available"
	}
	store := New(nil, []Kind{{Name: "Deployment", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, Ready: ready}}, nil)
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	store.queue, store.ctx = q, context.Background()
	deployment := func(rv string, available, updated int64) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "web", "namespace": "web-dinkes", "resourceVersion": rv, "generation": int64(1),
				"labels": map[string]any{hostingv1.RequestLabel: "dinkes"}},
			"status": map[string]any{"availableReplicas": available, "updatedReplicas": updated},
		}}
	}
	kinds := store.kinds["Deployment"]
	if err := kinds.Replace([]any{deployment("1", 0, 0)}, "1"); err != nil {
		t.Fatal(err)
	}
	if e, _, _ := store.Get("Deployment", "web-dinkes", "web"); e.NotReady != "no replica available" {
		t.Fatalf("NotReady = %q", e.NotReady)
	}
	steps := []struct {
		what string
		obj  *unstructured.Unstructured
		want int
	}{
		{"a status that changes nothing of readiness", deployment("2", 0, 1), 0},
		{"the replica becomes available", deployment("3", 1, 1), 1},
		{"still available", deployment("4", 1, 1), 0},
		{"no longer available", deployment("5", 0, 1), 1},
	}
	for _, s := range steps {
		if err := kinds.Update(s.obj); err != nil {
			t.Fatal(err)
		}
		if q.Len() != s.want {
			t.Fatalf("%s: %d queued, want %d", s.what, q.Len(), s.want)
		}
		for q.Len() > 0 {
			r, _ := q.Get()
			if r.Name != "dinkes" {
				t.Fatalf("%s: queued %s", s.what, r.Name)
			}
			q.Done(r)
			q.Forget(r)
		}
	}
}

// A status written by an object's own controller leaves its version; what the operator
// sets (spec, labels, annotations, owners) changes it; without a generation, any write.
func TestVersion(t *testing.T) {
	deployment := func(rv string, generation int64, label string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "web", "namespace": "web-dinkes", "resourceVersion": rv, "generation": generation,
				"labels": map[string]any{"app": label}}}}
		return u
	}
	base := VersionOf(deployment("1", 1, "a"))
	if got := VersionOf(deployment("2", 1, "a")); got != base {
		t.Errorf("a status write changed the version: %s, was %s", got, base)
	}
	if got := VersionOf(deployment("3", 2, "a")); got == base {
		t.Error("a new generation kept the version")
	}
	if got := VersionOf(deployment("4", 1, "b")); got == base {
		t.Error("a changed label kept the version")
	}
	if VersionOf(metaAt("1", 0, nil)) == VersionOf(metaAt("2", 0, nil)) {
		t.Error("without a generation, a new resourceVersion kept the version")
	}
}

// In the controller's priority queue, a provisioned object's change goes before the
// requests already waiting (a site made before the next is begun); other work keeps
// its order.
func TestSiteWorkFirst(t *testing.T) {
	ready := func(u *unstructured.Unstructured) string {
		if n, _, _ := unstructured.NestedInt64(u.Object, "status", "availableReplicas"); n > 0 {
			return ""
		}
		return "no replica available"
	}
	store := New(nil, []Kind{{Name: "Deployment", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, Ready: ready}}, nil)
	q := priorityqueue.New[reconcile.Request]("site-work-first")
	defer q.ShutDown()
	store.queue, store.ctx = q, context.Background()
	for _, name := range []string{"filed-1", "filed-2", "filed-3"} {
		q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Name: name}})
	}
	deployment := func(rv string, available int64) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "web", "namespace": "web-dinkes", "resourceVersion": rv, "generation": int64(1),
				"labels": map[string]any{hostingv1.RequestLabel: "dinkes"}},
			"status": map[string]any{"availableReplicas": available},
		}}
	}
	kinds := store.kinds["Deployment"]
	if err := kinds.Replace([]any{deployment("1", 0)}, "1"); err != nil {
		t.Fatal(err)
	}
	if err := kinds.Update(deployment("2", 1)); err != nil {
		t.Fatal(err)
	}
	var order []string
	for range 4 {
		r, priority, _ := q.GetWithPriority()
		order = append(order, fmt.Sprintf("%s/%d", r.Name, priority))
		q.Done(r)
	}
	if want := []string{"dinkes/1", "filed-1/0", "filed-2/0", "filed-3/0"}; !slices.Equal(order, want) {
		t.Fatalf("handed out %v, want %v", order, want)
	}
}

// The store keeps an entry as a smaller slot; what Get gives back is what was put in,
// whatever the resourceVersion looks like.
func TestSlotKeepsTheEntry(t *testing.T) {
	for name, e := range map[string]Entry{
		"numeric version":            {ResourceVersion: "123456", Generation: 2, digest: 7, Request: "dinkes"},
		"version not a number":       {ResourceVersion: "v-7", Request: "dinkes"},
		"version with a leading 0":   {ResourceVersion: "0123"},
		"version 0":                  {ResourceVersion: "0"},
		"no version":                 {},
		"hosts":                      {ResourceVersion: "9", Hosts: []string{"dinkes.kuduskab.go.id", "www.dinkes.kuduskab.go.id"}},
		"not ready":                  {ResourceVersion: "10", Generation: 1, NotReady: "0 of 1 replicas available"},
		"hosts, not ready, odd rv":   {ResourceVersion: "x", Hosts: []string{"a.kuduskab.go.id"}, NotReady: "no address"},
		"largest numeric version":    {ResourceVersion: "18446744073709551615"},
		"beyond a 64-bit unsigned":   {ResourceVersion: "18446744073709551616"},
		"negative is not our number": {ResourceVersion: "-1"},
	} {
		t.Run(name, func(t *testing.T) {
			got := slotOf(&e).entry()
			if got.ResourceVersion != e.ResourceVersion || got.Generation != e.Generation || got.digest != e.digest ||
				got.Request != e.Request || !slices.Equal(got.Hosts, e.Hosts) || got.NotReady != e.NotReady {
				t.Errorf("kept %+v, got back %+v", e, got)
			}
		})
	}
	if s := slotOf(&Entry{ResourceVersion: "42", Request: "dinkes"}); s.extra != nil {
		t.Errorf("an entry with a numeric version and nothing else allocated its rare parts: %+v", *s.extra)
	}
}

// BenchmarkStoreBytesPerObject is what the store keeps per provisioned object: the
// objects of 1,000 sites, ten per site in the site's namespace, listed into one kind's
// store; heap after (the listed objects gone) minus heap before.
func BenchmarkStoreBytesPerObject(b *testing.B) {
	names := []string{"web", "quota", "limits", "network", "editors", "starter", "site", "route", "record", "tls"}
	const sites = 1000
	n := sites * len(names)
	list := func() []any {
		objs := make([]any, 0, n)
		for i := range sites {
			for _, name := range names {
				objs = append(objs, &compactObject{key: keyOf(fmt.Sprintf("web-site-%05d", i), strings.Clone(name)),
					slot: slotOf(&Entry{ResourceVersion: fmt.Sprint(1_000_000 + len(objs)), Generation: 1, digest: uint64(len(objs)),
						Request: intern(fmt.Sprintf("site-%05d", i))})})
			}
		}
		return objs
	}
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := &kindStore{kind: Kind{Name: "Deployment"}, owner: &Store{}, items: map[objKey]slot{}, byHost: map[string][]objKey{}}
		if err := s.Replace(list(), ""); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(n), "B/object")
		runtime.KeepAlive(s)
	}
}

// The reflector keys the compact objects of a first list by namespace and name, read
// through GetObjectMeta (they carry no ObjectMeta of their own).
func TestCompactObjectKey(t *testing.T) {
	for want, obj := range map[string]*compactObject{
		"web-dinkes/web": {key: keyOf("web-dinkes", "web")},
		"web-dinkes":     {key: keyOf("", "web-dinkes")},
	} {
		got, err := toolscache.DeletionHandlingMetaNamespaceKeyFunc(obj)
		if err != nil || got != want {
			t.Errorf("key %q, %v; want %q", got, err, want)
		}
	}
}
