package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// tracker watches, as the administrator, every request and every object carrying the
// subdomain label (of the kinds a site is made of: siteShape), and records when each
// was first seen and last changed, and when each request first reached each phase.
// Times are taken when the watch event arrives, so a measurement is "until the API
// server told a watcher", as a user with kubectl -w would see it.
type tracker struct {
	mu       sync.Mutex
	perSite  int                             // objects per site (the Namespace included)
	children map[string]map[string]time.Time // subdomain → kind/namespace/name → first seen
	changed  map[string]map[string]time.Time // subdomain → kind/namespace/name → last update seen
	requests map[string]*requestState
}

type requestState struct {
	phase   hostingv1.Phase
	at      map[hostingv1.Phase]time.Time
	deleted bool
}

func startTracker(ctx context.Context, cfg *rest.Config, shape siteShape) (*tracker, error) {
	t := &tracker{perSite: shape.objectsPerSite(), children: map[string]map[string]time.Time{},
		changed: map[string]map[string]time.Time{}, requests: map[string]*requestState{}}
	strip := cache.TransformStripManagedFields()
	requests, err := cache.New(cfg, cache.Options{Scheme: testenv.Scheme, DefaultTransform: strip})
	if err != nil {
		return nil, err
	}
	inf, err := requests.GetInformer(ctx, &hostingv1.SubdomainRequest{})
	if err != nil {
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.onRequest(obj, false) },
		UpdateFunc: func(_, obj any) { t.onRequest(obj, false) },
		DeleteFunc: func(obj any) { t.onRequest(obj, true) },
	}); err != nil {
		return nil, err
	}
	sel, err := labels.Parse(hostingv1.SubdomainLabel)
	if err != nil {
		return nil, err
	}
	children, err := cache.New(cfg, cache.Options{Scheme: testenv.Scheme, DefaultLabelSelector: sel, DefaultTransform: strip})
	if err != nil {
		return nil, err
	}
	for _, gvk := range shape.kinds {
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(gvk)
		inf, err := children.GetInformer(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("watching %s: %w", gvk.Kind, err)
		}
		kind := gvk.Kind
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { t.onChild(kind, obj) },
			UpdateFunc: func(_, obj any) { t.onChildChanged(kind, obj) },
		}); err != nil {
			return nil, err
		}
	}
	for _, c := range []cache.Cache{requests, children} {
		go func() { _ = c.Start(ctx) }()
		if !c.WaitForCacheSync(ctx) {
			return nil, fmt.Errorf("the benchmark's own watch did not sync")
		}
	}
	return t, nil
}

func (t *tracker) onRequest(obj any, deleted bool) {
	now := time.Now()
	if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	s, ok := obj.(*hostingv1.SubdomainRequest)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.requests[s.Name]
	if r == nil || (r.deleted && !deleted) {
		r = &requestState{at: map[hostingv1.Phase]time.Time{}}
		t.requests[s.Name] = r
	}
	r.deleted = r.deleted || deleted
	r.phase = s.Status.Phase
	if _, seen := r.at[r.phase]; !seen && r.phase != "" {
		r.at[r.phase] = now
	}
}

func (t *tracker) onChild(kind string, obj any) {
	now := time.Now()
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	sub := m.Labels[hostingv1.SubdomainLabel]
	key := kind + "/" + m.Namespace + "/" + m.Name
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := t.children[sub]
	if seen == nil {
		seen = map[string]time.Time{}
		t.children[sub] = seen
	}
	if _, ok := seen[key]; !ok {
		seen[key] = now
	}
}

// onChildChanged records when an object last changed (its metadata-only watch sees
// every new resourceVersion, a status write included).
func (t *tracker) onChildChanged(kind string, obj any) {
	now := time.Now()
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	sub := m.Labels[hostingv1.SubdomainLabel]
	t.mu.Lock()
	defer t.mu.Unlock()
	changed := t.changed[sub]
	if changed == nil {
		changed = map[string]time.Time{}
		t.changed[sub] = changed
	}
	changed[kind+"/"+m.Namespace+"/"+m.Name] = now
}

// childChanged returns when an object of a subdomain was last seen changing.
func (t *tracker) childChanged(sub, kind, namespace, name string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.changed[sub][kind+"/"+namespace+"/"+name]
	return at, ok
}

// childrenDone returns when the last of a subdomain's objects was seen.
func (t *tracker) childrenDone(sub string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := t.children[sub]
	if len(seen) < t.perSite {
		return time.Time{}, false
	}
	var last time.Time
	for _, at := range seen {
		if at.After(last) {
			last = at
		}
	}
	return last, true
}

// reached returns when a request first reached a phase.
func (t *tracker) reached(name string, ph hostingv1.Phase) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.requests[name]
	if r == nil || r.deleted {
		return time.Time{}, false
	}
	at, ok := r.at[ph]
	return at, ok
}

func (t *tracker) phase(name string) hostingv1.Phase {
	t.mu.Lock()
	defer t.mu.Unlock()
	if r := t.requests[name]; r != nil && !r.deleted {
		return r.phase
	}
	return ""
}

func (t *tracker) gone(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.requests[name]
	return r == nil || r.deleted
}

// census counts the requests that exist, by phase.
func (t *tracker) census() (total int, byPhase map[hostingv1.Phase]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	byPhase = map[hostingv1.Phase]int{}
	for _, r := range t.requests {
		if r.deleted {
			continue
		}
		total++
		byPhase[r.phase]++
	}
	return total, byPhase
}

// childObjects counts the labelled objects seen, except those of subdomains with
// the given prefix.
func (t *tracker) childObjects(exceptPrefix string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for sub, seen := range t.children {
		if !strings.HasPrefix(sub, exceptPrefix) {
			n += len(seen)
		}
	}
	return n
}

// waitFor polls cond (a look at local state, no API call) every interval until it
// holds. The poll interval does not limit the precision of the measurements: the
// times measured are those the tracker recorded when the watch events arrived.
func waitFor(ctx context.Context, timeout, interval time.Duration, what string, cond func() (bool, string)) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		ok, status := cond()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for %s (%s)", timeout, what, status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// waitAll waits until done holds for every name, checking only those not yet done.
func waitAll(ctx context.Context, timeout time.Duration, what string, names []string, done func(name string) bool) error {
	pending := append([]string(nil), names...)
	return waitFor(ctx, timeout, 20*time.Millisecond, what, func() (bool, string) {
		kept := pending[:0]
		for _, n := range pending {
			if !done(n) {
				kept = append(kept, n)
			}
		}
		pending = kept
		if len(pending) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("%d of %d not yet, e.g. %s", len(pending), len(names), pending[0])
	})
}

// childSeen returns when one object of a subdomain was first seen.
func (t *tracker) childSeen(sub, kind, namespace, name string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.children[sub][kind+"/"+namespace+"/"+name]
	return at, ok
}
