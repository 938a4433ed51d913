package controllers

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// The provisioned objects are not kept in controller-runtime's cache: a cached object,
// even reduced to its metadata, costs over a kilobyte, and a site is ten of them. The
// operator needs little of each: whether it exists, its resourceVersion and generation,
// which request it belongs to, a digest of its labels, annotations and owners (to
// notice a change), and, for Ingresses and DNSEndpoints, the hosts it serves (to tell
// whether a name is free). childStore keeps exactly that, 200 to 450 bytes per object
// with its map entries and indexes (heap profiles at 99,000 and 29,000 objects), fed
// by one reflector (list, then watch) per kind.

// childKind is one kind the store follows.
type childKind struct {
	kind string
	gvr  schema.GroupVersionResource
	// hosts: listed whole and cluster-wide, because every Ingress and DNSEndpoint
	// decides whether a name is free; the others are listed as metadata, and only
	// those labelled with a request.
	hosts func(*unstructured.Unstructured) []string
}

func childKinds(provisioning bool) []childKind {
	kinds := []childKind{
		{kind: "Ingress", gvr: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}, hosts: ingressHosts},
		{kind: "DNSEndpoint", gvr: schema.GroupVersionResource{Group: "externaldns.k8s.io", Version: "v1alpha1", Resource: "dnsendpoints"}, hosts: dnsEndpointNames},
	}
	if !provisioning {
		return kinds
	}
	for _, k := range []struct{ kind, group, version, resource string }{
		{"Namespace", "", "v1", "namespaces"},
		{"ResourceQuota", "", "v1", "resourcequotas"},
		{"LimitRange", "", "v1", "limitranges"},
		{"NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies"},
		{"RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings"},
		{"ConfigMap", "", "v1", "configmaps"},
		{"Deployment", "apps", "v1", "deployments"},
		{"Service", "", "v1", "services"},
	} {
		kinds = append(kinds, childKind{kind: k.kind, gvr: schema.GroupVersionResource{Group: k.group, Version: k.version, Resource: k.resource}})
	}
	return kinds
}

func ingressHosts(u *unstructured.Unstructured) []string {
	return stringsIn(u, "host", "spec", "rules")
}

func dnsEndpointNames(u *unstructured.Unstructured) []string {
	return stringsIn(u, "dnsName", "spec", "endpoints")
}

// stringsIn collects field of each item of the list at path, as normalized hosts.
func stringsIn(u *unstructured.Unstructured, field string, path ...string) []string {
	items, _, _ := unstructured.NestedSlice(u.Object, path...)
	var out []string
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			if h, ok := m[field].(string); ok && h != "" {
				out = append(out, normalizeHost(h))
			}
		}
	}
	return out
}

func normalizeHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// childEntry is what the store keeps of one object.
type childEntry struct {
	resourceVersion string
	generation      int64
	digest          uint64 // labels, annotations (without kubectl's last-applied copy), owners, deletion
	request         string // the hosting.kuduskab.go.id/request label
	hosts           []string
}

// drifted reports whether the change from old to cur may have touched what the
// operator set: a new generation (spec), new labels, annotations or owners, a
// deletion, and for kinds without a generation any new resourceVersion (a status
// update of a kind with a generation, such as a Deployment rolling out, does not count).
func drifted(old, cur *childEntry) bool {
	switch {
	case old.generation != cur.generation, old.digest != cur.digest:
		return true
	case cur.generation == 0 && old.resourceVersion != cur.resourceVersion:
		return true
	}
	return false
}

// compactObject is an object reduced to its entry. The reflector keeps the objects of
// its first (streamed) list in a store of its own until the list is complete; with
// Transformer it keeps these instead of whole objects.
type compactObject struct {
	metav1.ObjectMeta // name and namespace only
	entry             *childEntry
}

// Transformer implements client-go's TransformingStore.
func (s *kindStore) Transformer() toolscache.TransformFunc {
	return func(obj any) (any, error) {
		if c, ok := obj.(*compactObject); ok {
			return c, nil
		}
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, err
		}
		_, e, err := entryOf(obj, s.kind.hosts)
		if err != nil {
			return nil, err
		}
		return &compactObject{ObjectMeta: metav1.ObjectMeta{Namespace: m.GetNamespace(), Name: m.GetName()}, entry: e}, nil
	}
}

func entryOf(obj any, hosts func(*unstructured.Unstructured) []string) (string, *childEntry, error) {
	if c, ok := obj.(*compactObject); ok {
		return childKey(c.Namespace, c.Name), c.entry, nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return "", nil, err
	}
	e := &childEntry{resourceVersion: m.GetResourceVersion(), generation: m.GetGeneration(), request: m.GetLabels()[hostingv1.RequestLabel]}
	h := fnv.New64a()
	write := func(parts ...string) {
		for _, p := range parts {
			_, _ = h.Write([]byte(p))
			_, _ = h.Write([]byte{0})
		}
	}
	for _, k := range sortedKeys(m.GetLabels()) {
		write("l", k, m.GetLabels()[k])
	}
	for _, k := range sortedKeys(m.GetAnnotations()) {
		if k != lastApplied {
			write("a", k, m.GetAnnotations()[k])
		}
	}
	for _, o := range m.GetOwnerReferences() {
		write("o", o.APIVersion, o.Kind, o.Name, string(o.UID), fmt.Sprint(o.Controller != nil && *o.Controller))
	}
	if m.GetDeletionTimestamp() != nil {
		write("d")
	}
	e.digest = h.Sum64()
	if u, ok := obj.(*unstructured.Unstructured); ok && hosts != nil {
		e.hosts = hosts(u)
	}
	return childKey(m.GetNamespace(), m.GetName()), e, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func childKey(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// kindStore holds the entries of one kind and implements client-go's ReflectorStore.
type kindStore struct {
	kind   childKind
	owner  *childStore
	mu     sync.RWMutex
	items  map[string]*childEntry
	byHost map[string]map[string]struct{}
	synced atomic.Bool
}

var _ toolscache.TransformingStore = &kindStore{}

func (s *kindStore) Add(obj any) error    { return s.put(obj) }
func (s *kindStore) Update(obj any) error { return s.put(obj) }
func (s *kindStore) Resync() error        { return nil }

func (s *kindStore) put(obj any) error {
	key, cur, err := entryOf(obj, s.kind.hosts)
	if err != nil {
		return err
	}
	s.mu.Lock()
	old := s.items[key]
	s.items[key] = cur
	s.indexHosts(key, old, cur)
	s.mu.Unlock()
	s.owner.changed(s.kind, key, old, cur)
	return nil
}

func (s *kindStore) Delete(obj any) error {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	key := childKey(m.GetNamespace(), m.GetName())
	s.mu.Lock()
	old := s.items[key]
	delete(s.items, key)
	s.indexHosts(key, old, nil)
	s.mu.Unlock()
	s.owner.changed(s.kind, key, old, nil)
	return nil
}

// Replace takes a whole list (the first one, or a relist after the watch was lost):
// what is gone was deleted, what differs changed.
func (s *kindStore) Replace(list []any, _ string) error {
	items := make(map[string]*childEntry, len(list))
	for _, obj := range list {
		key, e, err := entryOf(obj, s.kind.hosts)
		if err != nil {
			return err
		}
		items[key] = e
	}
	s.mu.Lock()
	old := s.items
	s.items = items
	s.byHost = map[string]map[string]struct{}{}
	for key, e := range items {
		s.indexHosts(key, nil, e)
	}
	s.mu.Unlock()
	if s.synced.Swap(true) {
		for key, e := range old {
			s.owner.changed(s.kind, key, e, items[key])
		}
		for key, e := range items {
			if old[key] == nil {
				s.owner.changed(s.kind, key, nil, e)
			}
		}
	}
	return nil
}

// indexHosts moves key from old's hosts to cur's; called with mu held.
func (s *kindStore) indexHosts(key string, old, cur *childEntry) {
	if old != nil {
		for _, h := range old.hosts {
			delete(s.byHost[h], key)
			if len(s.byHost[h]) == 0 {
				delete(s.byHost, h)
			}
		}
	}
	if cur != nil {
		for _, h := range cur.hosts {
			if s.byHost[h] == nil {
				s.byHost[h] = map[string]struct{}{}
			}
			s.byHost[h][key] = struct{}{}
		}
	}
}

// childStore follows the provisioned kinds (and all Ingresses and DNSEndpoints) and
// turns their changes into work for the requests they belong to. It is a
// controller-runtime source: the controller starts it and waits for its first lists.
type childStore struct {
	config *rest.Config
	kinds  map[string]*kindStore
	// forHosts finds the requests for hosts (an Ingress or DNSEndpoint of someone else
	// that starts or stops serving a name can free or take it).
	forHosts func(ctx context.Context, hosts []string) []reconcile.Request

	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
	ctx   context.Context
}

func newChildStore(cfg *rest.Config, provisioning bool) *childStore {
	c := &childStore{config: cfg, kinds: map[string]*kindStore{}}
	for _, k := range childKinds(provisioning) {
		c.kinds[k.kind] = &kindStore{kind: k, owner: c, items: map[string]*childEntry{}, byHost: map[string]map[string]struct{}{}}
	}
	return c
}

// get returns the entry of an object, and whether the store follows its kind.
func (c *childStore) get(kind, namespace, name string) (entry childEntry, found, followed bool) {
	if c == nil {
		return childEntry{}, false, false
	}
	s := c.kinds[kind]
	if s == nil {
		return childEntry{}, false, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e := s.items[childKey(namespace, name)]; e != nil {
		return *e, true, true
	}
	return childEntry{}, false, true
}

// hostUser is an object of a kind that serves hosts.
type hostUser struct {
	Namespace, Name, Request string
}

// byHost lists the objects of kind that serve host.
func (c *childStore) byHost(kind, host string) []hostUser {
	if c == nil {
		return nil
	}
	s := c.kinds[kind]
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []hostUser
	for key := range s.byHost[normalizeHost(host)] {
		ns, name, _ := strings.Cut(key, "/")
		out = append(out, hostUser{Namespace: ns, Name: name, Request: s.items[key].request})
	}
	slices.SortFunc(out, func(a, b hostUser) int { return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name) })
	return out
}

// changed turns a change into work. Provisioned objects (with a request label) bring
// back their request when deleted or drifted; their creation is the operator's own
// doing. Someone else's Ingress or DNSEndpoint brings back the requests for the hosts
// it serves or served.
func (c *childStore) changed(kind childKind, _ string, old, cur *childEntry) {
	c.mu.Lock()
	q, ctx := c.queue, c.ctx
	c.mu.Unlock()
	if q == nil {
		return
	}
	add := func(name string) {
		if name != "" {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Name: name}})
		}
	}
	switch {
	case old != nil && cur == nil:
		add(old.request)
	case old != nil && cur != nil && drifted(old, cur):
		add(old.request)
		if cur.request != old.request {
			add(cur.request)
		}
	}
	if kind.hosts == nil || c.forHosts == nil {
		return
	}
	// Only a change of who serves which host matters to the name check: a new or
	// removed object, other hosts, a request label put on or taken off.
	servesOther := old == nil || cur == nil || !slices.Equal(old.hosts, cur.hosts) || old.request != cur.request
	var hosts []string
	if old != nil && old.request == "" && servesOther {
		hosts = append(hosts, old.hosts...)
	}
	if cur != nil && cur.request == "" && servesOther {
		hosts = append(hosts, cur.hosts...)
	}
	if len(hosts) > 0 {
		for _, r := range c.forHosts(ctx, hosts) {
			q.Add(r)
		}
	}
}

// Start starts one reflector per kind; it returns at once.
func (c *childStore) Start(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
	mc, err := metadata.NewForConfig(c.config)
	if err != nil {
		return err
	}
	dc, err := dynamic.NewForConfig(c.config)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.queue, c.ctx = q, ctx
	c.mu.Unlock()
	provisioned := metav1.ListOptions{LabelSelector: hostingv1.RequestLabel}
	for _, s := range c.kinds {
		var lw *toolscache.ListWatch
		var example runtime.Object
		if s.kind.hosts != nil {
			res := dc.Resource(s.kind.gvr)
			lw = &toolscache.ListWatch{
				ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
					return res.List(ctx, o)
				},
				WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
					return res.Watch(ctx, o)
				},
			}
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(s.kind.gvr.GroupVersion().WithKind(s.kind.kind))
			example = u
		} else {
			res := mc.Resource(s.kind.gvr)
			lw = &toolscache.ListWatch{
				ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
					o.LabelSelector = provisioned.LabelSelector
					return res.List(ctx, o)
				},
				WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
					o.LabelSelector = provisioned.LabelSelector
					return res.Watch(ctx, o)
				},
			}
			example = &metav1.PartialObjectMetadata{}
		}
		r := toolscache.NewReflectorWithOptions(lw, example, s, toolscache.ReflectorOptions{Name: "subdomain-operator/" + s.kind.kind})
		go r.RunWithContext(ctx)
	}
	return nil
}

// WaitForSync returns once every kind has been listed.
func (c *childStore) WaitForSync(ctx context.Context) error {
	return wait.PollUntilContextCancel(ctx, pollInterval, true, func(context.Context) (bool, error) {
		for _, s := range c.kinds {
			if !s.synced.Load() {
				return false, nil
			}
		}
		return true, nil
	})
}

func (c *childStore) String() string { return "provisioned objects" }

// pollInterval is how often WaitForSync looks.
const pollInterval = 50 * time.Millisecond
