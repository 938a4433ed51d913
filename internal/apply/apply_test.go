package apply

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/sitestore"
)

func TestVerifiedOnlyAtTheSameVersionAndDesiredState(t *testing.T) {
	var v verified
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "web-dinkes"}}
	key, want := objectKey("Deployment", dep), desiredHash(dep)
	check := func(what string, got, expected bool) {
		t.Helper()
		if got != expected {
			t.Fatalf("%s: %v, want %v", what, got, expected)
		}
	}
	check("never seen", v.ok(key, "7", want), false)
	v.set(key, "7", want)
	check("seen at 7", v.ok(key, "7", want), true)
	check("changed since", v.ok(key, "8", want), false)
	dep.Spec.Replicas = new(int32)
	check("another desired state", v.ok(key, "7", desiredHash(dep)), false)
	check("another kind", v.ok(objectKey("Service", dep), "7", want), false)
	v.forget(key)
	check("forgotten", v.ok(key, "7", want), false)
}

func TestSubsetIgnoresServerDefaults(t *testing.T) {
	desired := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"a": "b"}},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	existing := desired.DeepCopy()
	existing.ResourceVersion = "9"
	existing.Labels["added-by-someone"] = "x"
	existing.Spec.ClusterIP = "10.96.0.7"
	existing.Spec.Ports[0].Protocol = corev1.ProtocolTCP
	tests := map[string]struct {
		edit func(*corev1.Service)
		want bool
	}{
		"defaults and extra labels only": {func(*corev1.Service) {}, true},
		"a port changed":                 {func(s *corev1.Service) { s.Spec.Ports[0].Port = 8080 }, false},
		"a label changed":                {func(s *corev1.Service) { s.Labels["a"] = "c" }, false},
		"a port added":                   {func(s *corev1.Service) { s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: 1}) }, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := existing.DeepCopy()
			tc.edit(e)
			if got := Subset(desired, e); got != tc.want {
				t.Fatalf("Subset = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOwnership(t *testing.T) {
	owner := Owner{Request: "dinkes", Subdomain: "dinkes"}
	obj := func(labels, annotations map[string]string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations}}
	}
	tests := map[string]struct {
		obj  *corev1.ConfigMap
		want Outcome
	}{
		"ours":         {obj(map[string]string{hostingv1.RequestLabel: "dinkes"}, nil), Unchanged},
		"another's":    {obj(map[string]string{hostingv1.RequestLabel: "disdik"}, nil), Taken},
		"nobody's":     {obj(nil, nil), Conflict},
		"taken over":   {obj(map[string]string{hostingv1.SubdomainLabel: "dinkes"}, map[string]string{hostingv1.StarterSiteAnnotation: "true"}), Released},
		"another site": {obj(map[string]string{hostingv1.SubdomainLabel: "disdik"}, map[string]string{hostingv1.StarterSiteAnnotation: "true"}), Conflict},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := Ownership(owner, tc.obj); got != tc.want {
				t.Fatalf("Ownership = %v, want %v", got, tc.want)
			}
			if got := tc.want.Foreign(); got != (tc.want != Unchanged) {
				t.Fatalf("Foreign = %v", got)
			}
		})
	}
}

// Comparing leaves an unstructured desired object whole (the converter shares its map).
func TestSubsetLeavesUnstructuredDesiredWhole(t *testing.T) {
	desired := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
		"metadata": map[string]any{"name": "web-tls", "namespace": "web-dinkes", "labels": map[string]any{"a": "b"}},
		"spec":     map[string]any{"secretName": "web-tls"},
	}}
	existing := desired.DeepCopy()
	existing.Object["status"] = map[string]any{"conditions": []any{}}
	if !Subset(desired, existing) || len(Drifted(desired, existing)) != 0 {
		t.Fatal("an object with more than desired is not a subset")
	}
	if desired.GetName() != "web-tls" || desired.GetNamespace() != "web-dinkes" || desired.GetKind() != "Certificate" {
		t.Fatalf("the comparison changed desired: %v", desired.Object)
	}
}

// The comparison reads the existing object's labels, annotations and owners and
// leaves the rest of its metadata (managedFields above all) alone, unconverted and
// unchanged.
func TestSubsetReadsTheMetadataTheOperatorSets(t *testing.T) {
	desired, existing := deploymentPair()
	if !Subset(desired, existing) {
		t.Fatal("the same Deployment with server-set metadata is not a subset")
	}
	if len(existing.ManagedFields) != 2 || existing.ResourceVersion != "41" {
		t.Fatalf("the comparison changed the existing object: %+v", existing.ObjectMeta)
	}
	for name, edit := range map[string]func(*appsv1.Deployment){
		"owner":      func(d *appsv1.Deployment) { d.OwnerReferences[0].Name = "other" },
		"annotation": func(d *appsv1.Deployment) { d.Annotations["a"] = "changed" },
		"label":      func(d *appsv1.Deployment) { delete(d.Labels, "app") },
		"image":      func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "evil" },
	} {
		e := existing.DeepCopy()
		edit(e)
		if Subset(desired, e) {
			t.Errorf("a changed %s is not noticed", name)
		}
	}
}

func deploymentPair() (*appsv1.Deployment, *appsv1.Deployment) {
	desired := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "web-dinkes", Labels: map[string]string{"app": "web"},
			Annotations:     map[string]string{"a": "b"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: "web-dinkes", UID: "u"}}},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.29",
					Ports: []corev1.ContainerPort{{ContainerPort: 8080}}}}}}},
	}
	existing := desired.DeepCopy()
	existing.ResourceVersion, existing.UID, existing.Generation = "41", "uid", 1
	existing.CreationTimestamp = metav1.Now()
	fields := `{"f:metadata":{"f:annotations":{"f:a":{}},"f:labels":{"f:app":{}},"f:ownerReferences":{"k:{\"uid\":\"u\"}":{}}},"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}`
	existing.ManagedFields = []metav1.ManagedFieldsEntry{
		{Manager: "subdomain-operator", Operation: metav1.ManagedFieldsOperationApply, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(fields)},
		{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "status", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:status":{"f:replicas":{}}}`)},
	}
	existing.Spec.Replicas = new(int32)
	existing.Spec.Template.Spec.Containers[0].ImagePullPolicy = corev1.PullIfNotPresent
	existing.Spec.Template.Spec.Containers[0].Ports[0].Protocol = corev1.ProtocolTCP
	return desired, existing
}

// BenchmarkSubsetDeployment is one object's share of the check after a restart.
func BenchmarkSubsetDeployment(b *testing.B) {
	desired, existing := deploymentPair()
	for b.Loop() {
		if !Subset(desired, existing) {
			b.Fatal("not a subset")
		}
	}
}

// The hash of a desired unstructured object is the same whatever order its maps were
// filled in, and differs with any value, its type, or how strings split into items.
func TestDesiredHashOfUnstructured(t *testing.T) {
	route := func(hostnames []any, weight any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
			"metadata": map[string]any{"name": "web", "namespace": "web-dinkes", "labels": map[string]any{"a": "1", "b": "2"}},
			"spec": map[string]any{"hostnames": hostnames, "rules": []any{map[string]any{"backendRefs": []any{
				map[string]any{"name": "web", "port": int64(80), "weight": weight}}}}},
		}}
	}
	base := desiredHash(route([]any{"dinkes.kuduskab.go.id"}, int64(1)))
	for i := range 20 { // maps iterate in a new order each time
		if got := desiredHash(route([]any{"dinkes.kuduskab.go.id"}, int64(1))); got != base {
			t.Fatalf("attempt %d: the same object hashed %x, then %x", i, base, got)
		}
	}
	for name, other := range map[string]*unstructured.Unstructured{
		"another host":            route([]any{"disdik.kuduskab.go.id"}, int64(1)),
		"a weight of 2":           route([]any{"dinkes.kuduskab.go.id"}, int64(2)),
		"the weight as text":      route([]any{"dinkes.kuduskab.go.id"}, "1"),
		"the weight as a float":   route([]any{"dinkes.kuduskab.go.id"}, 1.5),
		"no weight":               route([]any{"dinkes.kuduskab.go.id"}, nil),
		"the host split in two":   route([]any{"dinkes.", "kuduskab.go.id"}, int64(1)),
		"a host more":             route([]any{"dinkes.kuduskab.go.id", "www.dinkes.kuduskab.go.id"}, int64(1)),
		"the weight as a boolean": route([]any{"dinkes.kuduskab.go.id"}, true),
		"no hosts":                route(nil, int64(1)),
	} {
		if desiredHash(other) == base {
			t.Errorf("%s: hashed as the object it differs from", name)
		}
	}
	relabelled := route([]any{"dinkes.kuduskab.go.id"}, int64(1))
	relabelled.SetLabels(map[string]string{"a": "1", "b": "3"})
	if desiredHash(relabelled) == base {
		t.Error("another label value: hashed as the object it differs from")
	}
}

// A site's digest, taken when its objects were ensured, lets an operator started later
// trust the objects the store holds at the same versions, and only then.
func TestRememberSiteOnlyWhenEveryObjectIsAtItsDigestedVersion(t *testing.T) {
	kinds := []sitestore.Kind{
		{Name: "Deployment", GVR: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}},
		{Name: "ConfigMap", GVR: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}},
	}
	owner := Owner{Request: "dinkes", Subdomain: "dinkes"}
	labels := map[string]string{hostingv1.RequestLabel: "dinkes"}
	desired := func() []client.Object {
		return []client.Object{
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "web-dinkes", Labels: labels}},
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "web-content", Namespace: "web-dinkes", Labels: labels},
				Data: map[string]string{"index.html": "Dinas Kesehatan"}},
		}
	}
	existing := func() []client.Object {
		out := desired()
		out[0].SetGeneration(3)
		out[0].SetResourceVersion("41")
		out[1].SetResourceVersion("42")
		return out
	}
	// The operator that ensured the site: every object verified at its version.
	store := sitestore.New(nil, kinds, nil)
	before := &Applier{Store: store}
	for i, obj := range existing() {
		if err := store.Observe(KindOf(obj), obj); err != nil {
			t.Fatal(err)
		}
		d := desired()[i]
		before.verified.set(objectKey(KindOf(d), d), sitestore.VersionOf(obj), desiredHash(d))
	}
	digest := before.SiteDigest(wantAll(desired()))
	if !strings.HasPrefix(digest, siteDigestPrefix) {
		t.Fatalf("SiteDigest = %q, want a digest", digest)
	}
	if got := (&Applier{Store: store}).SiteDigest(wantAll(desired())); got != "" {
		t.Fatalf("SiteDigest of objects never verified = %q, want none", got)
	}

	tests := map[string]struct {
		edit    func(objs, want []client.Object)
		digest  string
		trusted bool
	}{
		"unchanged":                        {func(_, _ []client.Object) {}, digest, true},
		"no digest on record":              {func(_, _ []client.Object) {}, "", false},
		"a digest made another way":        {func(_, _ []client.Object) {}, "v0:" + strings.TrimPrefix(digest, siteDigestPrefix), false},
		"a status write (same generation)": {func(objs, _ []client.Object) { objs[0].SetResourceVersion("50") }, digest, true},
		"the spec changed while down":      {func(objs, _ []client.Object) { objs[0].SetGeneration(4) }, digest, false},
		"a label added while down": {func(objs, _ []client.Object) {
			objs[0].SetLabels(map[string]string{hostingv1.RequestLabel: "dinkes", "x": "y"})
		}, digest, false},
		"a kind without a generation changed": {func(objs, _ []client.Object) { objs[1].SetResourceVersion("51") }, digest, false},
		"taken by another request":            {func(objs, _ []client.Object) { objs[1].SetLabels(map[string]string{hostingv1.RequestLabel: "other"}) }, digest, false},
		"the operator wants another page":     {func(_, want []client.Object) { want[1].(*corev1.ConfigMap).Data["index.html"] = "Dinkes" }, digest, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			store := sitestore.New(nil, kinds, nil)
			objs, want := existing(), desired()
			tc.edit(objs, want)
			for _, obj := range objs {
				if err := store.Observe(KindOf(obj), obj); err != nil {
					t.Fatal(err)
				}
			}
			after := &Applier{Store: store}
			if got := after.RememberSite(owner, tc.digest, wantAll(want)); got != tc.trusted {
				t.Fatalf("RememberSite = %v, want %v", got, tc.trusted)
			}
			for i, d := range want {
				entry, _, _ := store.Get(KindOf(d), d.GetNamespace(), d.GetName())
				ok := after.verified.ok(objectKey(KindOf(d), d), entry.Version(), desiredHash(d))
				if ok != tc.trusted {
					t.Fatalf("object %d remembered: %v, want %v", i, ok, tc.trusted)
				}
			}
			if got := after.SiteDigest(wantAll(want)); tc.trusted && got != tc.digest {
				t.Fatalf("the digest of what was remembered changed: %q, want %q", got, tc.digest)
			}
		})
	}
}

func wantAll(objs []client.Object) []Wanted {
	out := make([]Wanted, len(objs))
	for i, obj := range objs {
		out[i] = Want(obj)
	}
	return out
}
