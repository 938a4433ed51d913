package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The stand-in's identity: a service account of its own, as the Deployment
// controller, a Gateway controller and cert-manager have. It is not the operator's
// user, so the flow schemas that count the operator's writes (figure 3) never count
// its status writes; as a service account it gets the priority level real
// controllers get (that of the suggested service-accounts flow schema).
const (
	standInUser  = "system:serviceaccount:bench-stand-in:controllers"
	standInGroup = "system:serviceaccounts:bench-stand-in"
	standInRole  = "bench-stand-in"
)

var standInGroups = []string{"system:serviceaccounts", standInGroup, "system:authenticated"}

// standInRBAC lets the stand-in read the served kinds and write their status, nothing
// else.
const standInRBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: ` + standInRole + `
rules:
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments/status"]
  verbs: ["update", "patch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["networking.k8s.io"]
  resources: ["ingresses/status"]
  verbs: ["update", "patch"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes/status"]
  verbs: ["update", "patch"]
- apiGroups: ["cert-manager.io"]
  resources: ["certificates"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["cert-manager.io"]
  resources: ["certificates/status"]
  verbs: ["update", "patch"]
`

// standIn writes, while the operator runs, the status that the environment's
// controllers would write on a site's objects and envtest never does (no kubelet, no
// Deployment controller, no Gateway or ingress controller, no cert-manager): the
// Deployment web Available, the HTTPRoute web accepted by each parent (or the Ingress
// web given an address), the Certificate web-tls Ready, each exactly as
// internal/harness.StandIn writes it (its Mark builds the status). Unlike
// harness.StandIn.Run, which lists every site namespace at each pass and would weigh
// on the measured API server at 10,000 sites, it is driven by watches, as those
// controllers are: one informer per served kind, label-selected on the request label
// (so the floor's objects, which lack it, are left to the floor), and -workers
// goroutines that write a status once, as soon as the object is seen, with one
// Status().Update each.
type standIn struct {
	marker *harness.StandIn
	client client.Client
	cache  cache.Cache
	queue  workqueue.TypedRateLimitingInterface[standInKey]
	writes atomic.Int64

	errMu    sync.Mutex
	errCount int
	lastErr  error
}

type standInKey struct {
	gvk             schema.GroupVersionKind
	namespace, name string
}

// startStandIn starts the watches and the workers; they run until ctx ends.
func startStandIn(ctx context.Context, cfg *rest.Config, c client.Client, marker *harness.StandIn, kinds []schema.GroupVersionKind, workers int) (*standIn, error) {
	sel, err := labels.Parse(hostingv1.RequestLabel)
	if err != nil {
		return nil, err
	}
	ca, err := cache.New(cfg, cache.Options{Scheme: testenv.Scheme, DefaultLabelSelector: sel, DefaultTransform: cache.TransformStripManagedFields()})
	if err != nil {
		return nil, err
	}
	s := &standIn{marker: marker, client: c, cache: ca,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[standInKey](50*time.Millisecond, 5*time.Second),
			workqueue.TypedRateLimitingQueueConfig[standInKey]{Name: "bench-stand-in"})}
	for _, gvk := range kinds {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(gvk)
		inf, err := ca.GetInformer(ctx, u)
		if err != nil {
			return nil, fmt.Errorf("the stand-in watching %s: %w", gvk.Kind, err)
		}
		if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(obj any) { s.seen(gvk, obj) },
			UpdateFunc: func(_, obj any) { s.seen(gvk, obj) },
		}); err != nil {
			return nil, err
		}
	}
	go func() { _ = ca.Start(ctx) }()
	if !ca.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the stand-in's watches did not sync")
	}
	go func() {
		<-ctx.Done()
		s.queue.ShutDown()
	}()
	for w := 0; w < workers; w++ {
		go func() {
			for s.next(ctx) {
			}
		}()
	}
	return s, nil
}

// seen queues an object whose status is missing (Mark on a copy decides, so the
// stand-in's own write, seen next, queues nothing).
func (s *standIn) seen(gvk schema.GroupVersionKind, obj any) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok || !s.marker.Mark(u.DeepCopy()) {
		return
	}
	s.queue.Add(standInKey{gvk: gvk, namespace: u.GetNamespace(), name: u.GetName()})
}

func (s *standIn) next(ctx context.Context) bool {
	key, quit := s.queue.Get()
	if quit {
		return false
	}
	defer s.queue.Done(key)
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(key.gvk)
	err := s.cache.Get(ctx, client.ObjectKey{Namespace: key.namespace, Name: key.name}, u)
	if err == nil {
		if !s.marker.Mark(u) {
			s.queue.Forget(key)
			return true
		}
		err = s.client.Status().Update(ctx, u)
	}
	switch {
	case err == nil:
		s.writes.Add(1)
		s.queue.Forget(key)
	case apierrors.IsNotFound(err):
		s.queue.Forget(key)
	case apierrors.IsConflict(err):
		// Someone (the operator) wrote the object meanwhile: its watch event queues
		// it again, and so does this, in case that event came before the write.
		s.queue.AddRateLimited(key)
	default:
		if ctx.Err() != nil {
			return true
		}
		s.errMu.Lock()
		s.errCount++
		if s.errCount <= 5 {
			logf("  stand-in: %s %s/%s: %v", key.gvk.Kind, key.namespace, key.name, err)
		}
		s.lastErr = err
		s.errMu.Unlock()
		s.queue.AddRateLimited(key)
	}
	return true
}

// Writes is the number of status writes made so far.
func (s *standIn) Writes() int64 { return s.writes.Load() }

// Errors is how many writes failed (other than conflicts), and the last error.
func (s *standIn) Errors() (int, error) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.errCount, s.lastErr
}

// markAndWrite is what the stand-in does for one object, for the floor: the object as
// its create returned it gets the status the stand-in would write, with the
// stand-in's client. It reports whether it wrote.
func (s *standIn) markAndWrite(ctx context.Context, obj client.Object) (bool, error) {
	u, err := toUnstructured(obj)
	if err != nil {
		return false, err
	}
	if !s.marker.Mark(u) {
		return false, nil
	}
	if err := s.client.Status().Update(ctx, u); err != nil {
		return false, err
	}
	return true, nil
}
