// Package sitestore follows the objects sites are made of, and every object of the
// kinds that serve or publish hosts (Ingress, DNSEndpoint, and with the Gateway API
// HTTPRoute and ListenerSet) in the cluster, without keeping the objects: for each only
// what the operator needs (resourceVersion, generation, request label, a digest of
// labels, annotations and owners, the hosts it serves, and whether it serves per its
// status), fed by one reflector per kind. It
// is a controller-runtime source: changes become work for the requests concerned.
package sitestore

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unique"

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
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// The provisioned objects are not kept in controller-runtime's cache: a cached object,
// even reduced to its metadata, costs over a kilobyte, and a site is ten of them. The
// operator needs little of each: whether it exists, its resourceVersion and generation,
// which request it belongs to, a digest of its labels, annotations and owners (to
// notice a change), and, for Ingresses and DNSEndpoints, the hosts it serves (to tell
// whether a name is free). The store keeps exactly that, about 180 bytes per object
// with its maps and the hosts index (heap profile at 118,872 objects, figure 7 of
// 2026-12-04; BenchmarkStoreBytesPerObject), fed by one reflector (list, then watch)
// per kind.

// Kind is one kind the store follows.
type Kind struct {
	// Name is the kind, e.g. "Ingress".
	Name string
	GVR  schema.GroupVersionResource
	// Hosts, when set, makes the kind followed whole and cluster-wide, because every
	// object of it decides whether a name is free; other kinds are listed as metadata,
	// and only the objects labelled with a request.
	Hosts func(*unstructured.Unstructured) []string
	// Ready, when set, reads from the object's status whether it serves ("" when it
	// does, else what is missing); the store keeps the answer and a change of it is
	// work for the object's request. Such kinds are listed whole, not as metadata.
	Ready func(*unstructured.Unstructured) string
}

// IngressHosts are the hosts of an Ingress's rules.
func IngressHosts(u *unstructured.Unstructured) []string {
	return stringsIn(u, "host", "spec", "rules")
}

// DNSEndpointNames are the names a DNSEndpoint publishes.
func DNSEndpointNames(u *unstructured.Unstructured) []string {
	return stringsIn(u, "dnsName", "spec", "endpoints")
}

// HTTPRouteHosts are the hostnames of an HTTPRoute.
func HTTPRouteHosts(u *unstructured.Unstructured) []string {
	names, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "hostnames")
	out := make([]string, 0, len(names))
	for _, h := range names {
		out = append(out, NormalizeHost(h))
	}
	return out
}

// ListenerSetHosts are the hostnames of a ListenerSet's listeners.
func ListenerSetHosts(u *unstructured.Unstructured) []string {
	return stringsIn(u, "hostname", "spec", "listeners")
}

// stringsIn collects field of each item of the list at path, as normalized hosts.
func stringsIn(u *unstructured.Unstructured, field string, path ...string) []string {
	items, _, _ := unstructured.NestedSlice(u.Object, path...)
	var out []string
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			if h, ok := m[field].(string); ok && h != "" {
				out = append(out, NormalizeHost(h))
			}
		}
	}
	return out
}

// NormalizeHost lowercases a host and drops a trailing dot.
func NormalizeHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

// Entry is what the store keeps of one object.
type Entry struct {
	ResourceVersion string
	Generation      int64
	digest          uint64 // labels, annotations (without kubectl's last-applied copy), owners, deletion
	// Request is the object's hosting.kuduskab.go.id/request label.
	Request string
	Hosts   []string
	// NotReady is the kind's Ready function's answer: "" when the object serves (or
	// the kind has none).
	NotReady string
}

// Version identifies what the operator sets of the object: for a kind with a
// generation, the generation and the digest of labels, annotations and owners, so that
// a status written by the object's own controller (a Deployment rolling out, a
// Certificate issued) does not make it look changed; for other kinds the
// resourceVersion.
func (e Entry) Version() string {
	if e.Generation == 0 {
		return e.ResourceVersion
	}
	return "g" + strconv.FormatInt(e.Generation, 10) + "/" + strconv.FormatUint(e.digest, 16)
}

// VersionOf is Entry.Version of an object the caller holds (one it just created, read
// or applied).
func VersionOf(obj any) string {
	_, e, err := entryOf(obj, Kind{})
	if err != nil {
		return ""
	}
	return e.Version()
}

// drifted reports whether the change from old to cur may have touched what the
// operator set: a new generation (spec), new labels, annotations or owners, a
// deletion, and for kinds without a generation any new resourceVersion (a status
// update of a kind with a generation, such as a Deployment rolling out, does not count).
func drifted(old, cur *Entry) bool {
	switch {
	case old.Generation != cur.Generation, old.digest != cur.digest:
		return true
	case cur.Generation == 0 && old.ResourceVersion != cur.ResourceVersion:
		return true
	}
	return false
}

// compactObject is an object reduced to its entry. The reflector keeps the objects of
// its first (streamed) list in a store of its own until the list is complete; with
// Transformer it keeps these instead of whole objects.
//
// It carries its key and slot, not an ObjectMeta (264 bytes empty): the reflector
// holds every object of a kind's first list at once, and at 10,000 sites the twelve
// kinds' lists arrive together.
type compactObject struct {
	key  objKey
	slot slot
}

// GetObjectMeta gives the reflector's key function the name and namespace.
func (c *compactObject) GetObjectMeta() metav1.Object {
	return &metav1.ObjectMeta{Namespace: c.key.namespace, Name: c.key.name}
}

// Transformer implements client-go's TransformingStore.
func (s *kindStore) Transformer() toolscache.TransformFunc {
	return func(obj any) (any, error) {
		if c, ok := obj.(*compactObject); ok {
			return c, nil
		}
		key, e, err := entryOf(obj, s.kind)
		if err != nil {
			return nil, err
		}
		return &compactObject{key: key, slot: slotOf(e)}, nil
	}
}

func entryOf(obj any, kind Kind) (objKey, *Entry, error) {
	if c, ok := obj.(*compactObject); ok {
		e := c.slot.entry()
		return c.key, &e, nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return objKey{}, nil, err
	}
	// The request's name is shared by a site's twelve objects: one copy.
	e := &Entry{ResourceVersion: m.GetResourceVersion(), Generation: m.GetGeneration(), Request: intern(m.GetLabels()[hostingv1.RequestLabel])}
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
		if k != hostingv1.LastAppliedAnnotation {
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
	if u, ok := obj.(*unstructured.Unstructured); ok {
		if kind.Hosts != nil {
			e.Hosts = kind.Hosts(u)
		}
		if kind.Ready != nil {
			e.NotReady = kind.Ready(u)
		}
	}
	return keyOf(m.GetNamespace(), m.GetName()), e, nil
}

func intern(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// objKey names an object: its namespace ("" when cluster-scoped) and name.
type objKey struct{ namespace, name string }

// keyOf is the key of an object the store keeps, its strings interned: a site's
// objects share their namespace, and every site names its objects alike.
func keyOf(namespace, name string) objKey { return objKey{intern(namespace), intern(name)} }

// slot is an Entry as the store keeps it, by value in the kind's map: 48 bytes, with
// the rare parts (hosts, a readiness note, a resourceVersion that is not a number)
// apart. Entries by pointer, with string keys and the resourceVersion as text, cost
// some 270 bytes per object at 118,872 objects (heap profile, figure 7); these about
// 180 with the hosts index.
type slot struct {
	rv         uint64 // the resourceVersion, when it is a decimal number (from etcd it is)
	generation int64
	digest     uint64
	request    string
	extra      *slotExtra
}

type slotExtra struct {
	resourceVersion string // when it is not a decimal number
	hosts           []string
	notReady        string
}

func slotOf(e *Entry) slot {
	s := slot{generation: e.Generation, digest: e.digest, request: e.Request}
	rv, err := strconv.ParseUint(e.ResourceVersion, 10, 64)
	numeric := err == nil && rv != 0 && strconv.FormatUint(rv, 10) == e.ResourceVersion
	if numeric {
		s.rv = rv
	}
	if !numeric || len(e.Hosts) > 0 || e.NotReady != "" {
		s.extra = &slotExtra{hosts: e.Hosts, notReady: e.NotReady}
		if !numeric {
			s.extra.resourceVersion = e.ResourceVersion
		}
	}
	return s
}

func (s slot) entry() Entry {
	e := Entry{Generation: s.generation, digest: s.digest, Request: s.request}
	if s.rv != 0 {
		e.ResourceVersion = strconv.FormatUint(s.rv, 10)
	}
	if s.extra != nil {
		e.Hosts, e.NotReady = s.extra.hosts, s.extra.notReady
		if s.rv == 0 {
			e.ResourceVersion = s.extra.resourceVersion
		}
	}
	return e
}

func (s slot) hosts() []string {
	if s.extra == nil {
		return nil
	}
	return s.extra.hosts
}

// kindStore holds the entries of one kind and implements client-go's ReflectorStore.
type kindStore struct {
	kind  Kind
	owner *Store
	mu    sync.RWMutex
	items map[objKey]slot
	// byHost: the keys of the objects serving each host, nearly always one (a map per
	// host cost some 190 bytes more per host).
	byHost map[string][]objKey
	synced atomic.Bool
}

var _ toolscache.TransformingStore = &kindStore{}

func (s *kindStore) Add(obj any) error    { return s.put(obj) }
func (s *kindStore) Update(obj any) error { return s.put(obj) }
func (s *kindStore) Resync() error        { return nil }

func (s *kindStore) put(obj any) error {
	key, next, err := s.slotFor(obj)
	if err != nil {
		return err
	}
	cur := next.entry()
	s.mu.Lock()
	prev, had := s.items[key]
	s.items[key] = next
	s.indexHosts(key, prev.hosts(), cur.Hosts)
	s.mu.Unlock()
	var old *Entry
	if had {
		e := prev.entry()
		old = &e
	}
	s.owner.changed(s.kind, old, &cur)
	return nil
}

// slotFor is what the store keeps of obj: a compact object's own slot, else the
// slot of its entry.
func (s *kindStore) slotFor(obj any) (objKey, slot, error) {
	if c, ok := obj.(*compactObject); ok {
		return c.key, c.slot, nil
	}
	key, e, err := entryOf(obj, s.kind)
	if err != nil {
		return objKey{}, slot{}, err
	}
	return key, slotOf(e), nil
}

func (s *kindStore) Delete(obj any) error {
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	key := objKey{m.GetNamespace(), m.GetName()}
	s.mu.Lock()
	prev, had := s.items[key]
	delete(s.items, key)
	s.indexHosts(key, prev.hosts(), nil)
	s.mu.Unlock()
	if had {
		old := prev.entry()
		s.owner.changed(s.kind, &old, nil)
	}
	return nil
}

// Replace takes a whole list (the first one, or a relist after the watch was lost):
// what is gone was deleted, what differs changed.
func (s *kindStore) Replace(list []any, _ string) error {
	items := make(map[objKey]slot, len(list))
	for _, obj := range list {
		key, e, err := s.slotFor(obj)
		if err != nil {
			return err
		}
		items[key] = e
	}
	s.mu.Lock()
	old := s.items
	s.items = items
	s.byHost = map[string][]objKey{}
	for key, e := range items {
		s.indexHosts(key, nil, e.hosts())
	}
	s.mu.Unlock()
	if s.synced.Swap(true) {
		for key, o := range old {
			was := o.entry()
			if c, ok := items[key]; ok {
				now := c.entry()
				s.owner.changed(s.kind, &was, &now)
			} else {
				s.owner.changed(s.kind, &was, nil)
			}
		}
		for key, c := range items {
			if _, ok := old[key]; !ok {
				now := c.entry()
				s.owner.changed(s.kind, nil, &now)
			}
		}
	}
	return nil
}

// indexHosts moves key from the hosts it served to those it serves; called with mu
// held.
func (s *kindStore) indexHosts(key objKey, old, cur []string) {
	for _, h := range old {
		if keys := slices.DeleteFunc(s.byHost[h], func(k objKey) bool { return k == key }); len(keys) > 0 {
			s.byHost[h] = keys
		} else {
			delete(s.byHost, h)
		}
	}
	for _, h := range cur {
		if !slices.Contains(s.byHost[h], key) {
			s.byHost[h] = append(s.byHost[h], key)
		}
	}
}

// Store follows the provisioned kinds (and all Ingresses and DNSEndpoints) and turns
// their changes into work for the requests they belong to. It is a controller-runtime
// source: the controller starts it and waits for its first lists.
type Store struct {
	config *rest.Config
	kinds  map[string]*kindStore
	// forHosts finds the requests for hosts (an Ingress or DNSEndpoint of someone else
	// that starts or stops serving a name can free or take it).
	forHosts func(ctx context.Context, hosts []string) []reconcile.Request

	mu    sync.Mutex
	queue workqueue.TypedRateLimitingInterface[reconcile.Request]
	ctx   context.Context
}

// New follows kinds with the rest config; forHosts finds the requests for hosts whose
// users changed (nil: none).
func New(cfg *rest.Config, kinds []Kind, forHosts func(ctx context.Context, hosts []string) []reconcile.Request) *Store {
	c := &Store{config: cfg, kinds: map[string]*kindStore{}, forHosts: forHosts}
	for _, k := range kinds {
		c.kinds[k.Name] = &kindStore{kind: k, owner: c, items: map[objKey]slot{}, byHost: map[string][]objKey{}}
	}
	return c
}

// Observe puts obj into the store as a watch event of its kind would (without telling
// anyone): for tests that need a filled store without a server.
func (c *Store) Observe(kind string, obj client.Object) error {
	s := c.kinds[kind]
	if s == nil {
		return fmt.Errorf("the store does not follow %s", kind)
	}
	return s.put(obj)
}

// Get returns the entry of an object, and whether the store follows its kind.
func (c *Store) Get(kind, namespace, name string) (entry Entry, found, followed bool) {
	if c == nil {
		return Entry{}, false, false
	}
	s := c.kinds[kind]
	if s == nil {
		return Entry{}, false, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.items[objKey{namespace, name}]; ok {
		return e.entry(), true, true
	}
	return Entry{}, false, true
}

// HostUser is an object of a kind that serves hosts.
type HostUser struct {
	Namespace, Name, Request string
}

// ByHost lists the objects of kind that serve host.
func (c *Store) ByHost(kind, host string) []HostUser {
	if c == nil {
		return nil
	}
	s := c.kinds[kind]
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []HostUser
	for _, key := range s.byHost[NormalizeHost(host)] {
		out = append(out, HostUser{Namespace: key.namespace, Name: key.name, Request: s.items[key].request})
	}
	slices.SortFunc(out, func(a, b HostUser) int { return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name) })
	return out
}

// SitePriority is the priority of the work a provisioned object brings back (deleted,
// drifted, started or stopped serving) in the controller's priority queue, above new
// requests (0): a site already made goes before the next is begun. Without it, during
// a burst of approvals a site whose controllers had just reported waited behind every
// request filed before it (measured: 31 minutes behind some 5,000, figure 7 at 10,000
// sites, docs/benchmarks.md).
const SitePriority = 1

// changed turns a change into work. Provisioned objects (with a request label) bring
// back their request when deleted or drifted; their creation is the operator's own
// doing. Someone else's Ingress or DNSEndpoint brings back the requests for the hosts
// it serves or served.
func (c *Store) changed(kind Kind, old, cur *Entry) {
	c.mu.Lock()
	q, ctx := c.queue, c.ctx
	c.mu.Unlock()
	if q == nil {
		return
	}
	add := func(name string) {
		if name == "" {
			return
		}
		r := reconcile.Request{NamespacedName: types.NamespacedName{Name: name}}
		if pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request]); ok {
			pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(SitePriority)}, r)
			return
		}
		q.Add(r)
	}
	switch {
	case old == nil && cur != nil && kind.Ready != nil && cur.NotReady == "":
		// First seen already serving (its controller was quicker than this watch):
		// the request may be waiting for exactly this.
		add(cur.Request)
	case old != nil && cur == nil:
		add(old.Request)
	case old != nil && cur != nil && drifted(old, cur):
		add(old.Request)
		if cur.Request != old.Request {
			add(cur.Request)
		}
	case old != nil && cur != nil && old.NotReady != cur.NotReady:
		// Its controller wrote a status that changes whether the site serves.
		add(cur.Request)
	}
	if kind.Hosts == nil || c.forHosts == nil {
		return
	}
	// Only a change of who serves which host matters to the name check: a new or
	// removed object, other hosts, a request label put on or taken off.
	servesOther := old == nil || cur == nil || !slices.Equal(old.Hosts, cur.Hosts) || old.Request != cur.Request
	var hosts []string
	if old != nil && old.Request == "" && servesOther {
		hosts = append(hosts, old.Hosts...)
	}
	if cur != nil && cur.Request == "" && servesOther {
		hosts = append(hosts, cur.Hosts...)
	}
	if len(hosts) > 0 {
		for _, r := range c.forHosts(ctx, hosts) {
			q.Add(r)
		}
	}
}

// Start starts one reflector per kind; it returns at once.
func (c *Store) Start(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
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
		if s.kind.Hosts != nil || s.kind.Ready != nil {
			res := dc.Resource(s.kind.GVR)
			watchJSON, err := jsonWatcher(c.config, s.kind.GVR)
			if err != nil {
				return err
			}
			// Kinds that serve hosts are followed cluster-wide; the others only where a
			// request made them.
			selector := ""
			if s.kind.Hosts == nil {
				selector = provisioned.LabelSelector
			}
			lw = &toolscache.ListWatch{
				ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
					o.LabelSelector = selector
					return res.List(ctx, o)
				},
				WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
					o.LabelSelector = selector
					return watchJSON(ctx, o)
				},
			}
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(s.kind.GVR.GroupVersion().WithKind(s.kind.Name))
			example = u
		} else {
			res := mc.Resource(s.kind.GVR)
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
		r := toolscache.NewReflectorWithOptions(lw, example, s, toolscache.ReflectorOptions{Name: "subdomain-operator/" + s.kind.Name})
		go r.RunWithContext(ctx)
	}
	return nil
}

// WaitForSync returns once every kind has been listed.
func (c *Store) WaitForSync(ctx context.Context) error {
	return wait.PollUntilContextCancel(ctx, pollInterval, true, func(context.Context) (bool, error) {
		for _, s := range c.kinds {
			if !s.synced.Load() {
				return false, nil
			}
		}
		return true, nil
	})
}

func (c *Store) String() string { return "provisioned objects" }

// pollInterval is how often WaitForSync looks.
const pollInterval = 50 * time.Millisecond
