package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/memlimit"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	roleKD = hostingv1.RoleKepalaDinas
	roleKB = hostingv1.RoleKepalaBidangInformatika
	roleKS = hostingv1.RoleKepalaSeksiTIPersandian
)

// parallel runs fn for 0..n-1 on workers goroutines; the first error stops it. A
// request the API server was too busy for is tried again, and a create that
// turns out to have landed on an earlier try counts as done.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				var err error
				for attempt := 0; attempt < 6; attempt++ {
					err = fn(ctx, i)
					if attempt > 0 && apierrors.IsAlreadyExists(err) {
						err = nil
					}
					if err == nil || !retryable(err) {
						break
					}
					time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
				}
				if err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func retryable(err error) bool {
	return apierrors.IsTooManyRequests(err) || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err)
}

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	return out
}

// approver is the official's client and user name for a role.
func (b *bench) approver(role hostingv1.Role) (client.Client, string) {
	switch role {
	case roleKD:
		return b.kepalaDin, "budi"
	case roleKB:
		return b.kepalaBid, "agus"
	default:
		return b.kepalaSek, "dewi"
	}
}

func (b *bench) approve(ctx context.Context, name string, role hostingv1.Role) error {
	c, user := b.approver(role)
	if err := c.Patch(ctx, sdrRef(name), approvalPatch(role, user)); err != nil {
		return fmt.Errorf("%s approving %s as %s: %w", user, name, role, err)
	}
	return nil
}

func (b *bench) file(ctx context.Context, name, subdomain string) error {
	if err := b.applicant.Create(ctx, newRequest(name, subdomain)); err != nil {
		return fmt.Errorf("filing %s: %w", name, err)
	}
	return nil
}

// preapprove files a request and has the first two officials approve it, then waits
// until the operator has put it in front of the Kepala Seksi.
func (b *bench) preapprove(ctx context.Context, name string) error {
	if err := b.file(ctx, name, name); err != nil {
		return err
	}
	for _, role := range []hostingv1.Role{roleKD, roleKB} {
		if err := b.approve(ctx, name, role); err != nil {
			return err
		}
	}
	return waitFor(ctx, 60*time.Second, 5*time.Millisecond, name+" PendingKepalaSeksi", func() (bool, string) {
		ph := b.tr.phase(name)
		return ph == hostingv1.PhasePendingKepalaSeksi, string(ph)
	})
}

// Figure 1: one request at a time on an idle system.
func (b *bench) figureLatency(ctx context.Context) error {
	logf("figure 1: %d requests, last approval → children and → Ready, one at a time", b.o.LatencyRequests)
	var toChildren, toReady []time.Duration
	var writes opCounters
	breakdown := map[string]float64{}
	for i := 0; i < b.o.LatencyRequests; i++ {
		name := fmt.Sprintf("lat-%03d", i)
		if i == 0 {
			b.takenSubdomain = name
		}
		if err := b.preapprove(ctx, name); err != nil {
			return err
		}
		c1, s1, err := b.settle(ctx, 300*time.Millisecond, 30*time.Second)
		if err != nil {
			return err
		}
		t0 := time.Now()
		if err := b.approve(ctx, name, roleKS); err != nil {
			return err
		}
		var children, ready time.Time
		if err := waitFor(ctx, 60*time.Second, time.Millisecond, "the objects of "+name, func() (bool, string) {
			at, ok := b.tr.childrenDone(name)
			children = at
			return ok, ""
		}); err != nil {
			return err
		}
		if err := waitFor(ctx, 3*time.Minute, 5*time.Millisecond, name+" Ready", func() (bool, string) {
			at, ok := b.tr.reached(name, hostingv1.PhaseReady)
			ready = at
			return ok, string(b.tr.phase(name))
		}); err != nil {
			return err
		}
		c2, s2, err := b.settle(ctx, time.Second, 60*time.Second)
		if err != nil {
			return err
		}
		toChildren = append(toChildren, children.Sub(t0))
		toReady = append(toReady, ready.Sub(t0))
		w := c2.Sub(c1)
		writes = addCounters(writes, w)
		for k, v := range writeBreakdown(s1, s2) {
			breakdown[k] += v
		}
		logf("  %s: children %v, Ready %v, %0.f operator writes", name, children.Sub(t0).Round(time.Millisecond), ready.Sub(t0).Round(time.Millisecond), w.Writes())
	}
	n := float64(b.o.LatencyRequests)
	for k := range breakdown {
		breakdown[k] = round(breakdown[k]/n, 2)
	}
	per := writes.Div(n)
	b.res.Latency = &latencyResult{Requests: b.o.LatencyRequests, LoadAvg: loadAvg(), ToChildren: distOf(toChildren), ToReady: distOf(toReady),
		WritesPerRequest: per, WritesTotal: round(per.Writes(), 2), Breakdown: breakdown}
	return nil
}

func addCounters(a, b opCounters) opCounters {
	return opCounters{a.SDRStatus + b.SDRStatus, a.SDR + b.SDR, a.Events + b.Events, a.Creates + b.Creates,
		a.Updates + b.Updates, a.Deletes + b.Deletes, a.Reads + b.Reads}
}

const dnsFloorNamespace = "bench-dns-floor"

// digAnswers polls BIND with dig until the name answers the ingress target.
func (b *bench) digAnswers(ctx context.Context, fqdn string) (time.Time, error) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ans, _ := harness.DigShort(ctx, b.bind.Addr, fqdn)
		if slices.Contains(ans, targetIP) {
			return time.Now(), nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("%s did not resolve within 2 minutes", fqdn)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// warmDNS waits until external-dns publishes to BIND at all.
func (b *bench) warmDNS(ctx context.Context) error {
	if err := b.admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: dnsFloorNamespace}}); err != nil {
		return err
	}
	fqdn := "warmup." + zone
	// external-dns publishes only DNSEndpoints labelled as the operator's (--label-filter).
	ep := floorDNSEndpoint(metav1.ObjectMeta{Name: "warmup", Namespace: dnsFloorNamespace,
		Labels: map[string]string{floorLabel: "dns", hostingv1.ManagedByLabel: hostingv1.ManagedByValue}}, fqdn, 60)
	if err := b.admin.Create(ctx, ep); err != nil {
		return err
	}
	_, err := b.digAnswers(ctx, fqdn)
	return err
}

// Figure 6: last approval → dig answers, beside the same DNSEndpoint created directly
// → dig answers. external-dns publishes on its own cycle, so the two start at the same
// instant (the Kepala Seksi's approval and the direct create are sent together, after
// a random wait that puts the start anywhere in that cycle) and are polled side by side:
// both meet the same cycle, and the difference is what the operator adds.
func (b *bench) figureDNS(ctx context.Context) error {
	logf("figure 6: %d names through the operator and directly, started together", b.o.DNSNames)
	var viaOperator, direct []time.Duration
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 6))
	for i := 0; i < b.o.DNSNames; i++ {
		name := fmt.Sprintf("dns-%02d", i)
		if err := b.preapprove(ctx, name); err != nil {
			return err
		}
		if _, _, err := b.settle(ctx, 300*time.Millisecond, 30*time.Second); err != nil {
			return err
		}
		// The operator's own DNSEndpoint for another name, to be created directly in
		// another namespace.
		floorName := fmt.Sprintf("floor-dns-%02d", i)
		var ep *externaldnsv1.DNSEndpoint
		for _, obj := range floorSite(b.platform, floorName, "dns") {
			if e, ok := obj.(*externaldnsv1.DNSEndpoint); ok {
				ep = e
			}
		}
		if ep == nil {
			return fmt.Errorf("controllers.DesiredObjects made no DNSEndpoint")
		}
		ep.Namespace, ep.Name = dnsFloorNamespace, floorName
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rng.Int64N(int64(10 * time.Second)))):
		}
		var opTook, floorTook time.Duration
		var wg sync.WaitGroup
		errs := make([]error, 2)
		t0 := time.Now()
		wg.Add(2)
		go func() {
			defer wg.Done()
			if errs[0] = b.approve(ctx, name, roleKS); errs[0] == nil {
				var at time.Time
				at, errs[0] = b.digAnswers(ctx, name+"."+zone)
				opTook = at.Sub(t0)
			}
		}()
		go func() {
			defer wg.Done()
			// As a platform administrator: the operator's identity may publish a name
			// only from the site namespace granted it (dnsendpoint-hosts policy).
			if errs[1] = b.admin.Create(ctx, ep); errs[1] == nil {
				var at time.Time
				at, errs[1] = b.digAnswers(ctx, floorName+"."+zone)
				floorTook = at.Sub(t0)
			}
		}()
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		viaOperator, direct = append(viaOperator, opTook), append(direct, floorTook)
		logf("  %s: via operator %v, direct %v", name, opTook.Round(time.Millisecond), floorTook.Round(time.Millisecond))
		// Let the operator finish the request (it verifies DNS itself) before the next.
		if err := waitFor(ctx, 2*time.Minute, 5*time.Millisecond, name+" Ready", func() (bool, string) {
			_, ok := b.tr.reached(name, hostingv1.PhaseReady)
			return ok, string(b.tr.phase(name))
		}); err != nil {
			return err
		}
	}
	d := &dnsResult{Names: b.o.DNSNames, LoadAvg: loadAvg(), Operator: distOf(viaOperator), Floor: distOf(direct)}
	d.Ratio, d.RatioAvg = ratio(d.Operator.P50, d.Floor.P50), ratio(d.Operator.Mean, d.Floor.Mean)
	var diffs []time.Duration
	for i := range viaOperator {
		diffs = append(diffs, viaOperator[i]-direct[i])
	}
	d.Added = distOf(diffs)
	b.res.DNS = d
	return nil
}

// grantedRequests counts the hosts in the granted-hosts ConfigMaps: the maps the
// host-hijacking policy looks each Ingress host up in.
func (b *bench) grantedRequests(ctx context.Context) int {
	ref := config.Default().GrantedHosts
	var list corev1.ConfigMapList
	if err := b.admin.List(ctx, &list, client.InNamespace(ref.Namespace), client.MatchingLabels{hostingv1.GrantShardLabel: ref.Name}); err != nil {
		return 0
	}
	n := 0
	for _, cm := range list.Items {
		n += len(cm.Data)
	}
	return n
}

// floorRun creates the objects of n sites directly, as the operator's identity, with
// the same parallelism as the operator and no client rate limit, and then does what
// the environment's controllers do for the operator's sites in the same run: the
// status writes of the stand-in (Deployment Available, HTTPRoute accepted,
// Certificate Ready, built by the same harness.StandIn.Mark, sent by the same client
// as the stand-in's own service account), each site's right after its objects, in the
// same workers. So the floor is the same objects and the same status writes, without
// the operator; it ends when the benchmark's watch has seen the last object and the
// last status write, as the operator's batch ends when the last request is Ready.
func (b *bench) floorRun(ctx context.Context, n int, tag string) (floorResult, error) {
	logf("figure 2 floor: %d sites created directly, with their stood-in status (%s)", n, tag)
	subs := names("floor-"+tag, n)
	res := floorResult{N: n, GrantedReqs: b.grantedRequests(ctx), LoadAvg: loadAvg()}
	s1, err := b.apiMetrics(ctx)
	if err != nil {
		return res, err
	}
	c1 := countersFrom(s1)
	var mu sync.Mutex
	kindNanos, kindCount := map[string]time.Duration{}, map[string]int{}
	record := func(kind string, took time.Duration) {
		mu.Lock()
		kindNanos[kind] += took
		kindCount[kind]++
		mu.Unlock()
	}
	// served: per site, the objects whose status the floor wrote.
	served := make([][]client.Object, n)
	stopProfile := func() {}
	if b.o.APIServerProfile != "" && n == slices.Max(b.o.N) {
		stopProfile = b.windowProfile(ctx, profilePathFor(b.o.APIServerProfile, "objects-floor"))
	}
	cpu0 := serverCPU()
	t0 := time.Now()
	err = parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error {
		wrote, err := b.floorSiteWrites(ctx, subs[i], tag, record)
		if err != nil {
			return err
		}
		served[i] = wrote
		return nil
	})
	if err != nil {
		return res, err
	}
	res.CreateSec = round(time.Since(t0).Seconds(), 2)
	statusSeen := func(i int) (time.Time, bool) {
		var last time.Time
		for _, obj := range served[i] {
			at, ok := b.tr.childChanged(subs[i], kindOf(obj), obj.GetNamespace(), obj.GetName())
			if !ok {
				return last, false
			}
			if at.After(last) {
				last = at
			}
		}
		return last, true
	}
	index := make(map[string]int, n)
	for i, s := range subs {
		index[s] = i
	}
	err = waitAll(ctx, 5*time.Minute, "the floor's objects and their status", subs, func(s string) bool {
		_, created := b.tr.childrenDone(s)
		_, written := statusSeen(index[s])
		return created && written
	})
	stopProfile()
	if err != nil {
		return res, err
	}
	var lastChild, last time.Time
	for i, s := range subs {
		at, _ := b.tr.childrenDone(s)
		if at.After(lastChild) {
			lastChild = at
		}
		st, _ := statusSeen(i)
		for _, t := range []time.Time{at, st} {
			if t.After(last) {
				last = t
			}
		}
		res.StatusWrites += len(served[i])
	}
	s2, err := b.apiMetrics(ctx)
	if err != nil {
		return res, err
	}
	c2 := countersFrom(s2)
	res.ServerCPUSec = round(serverCPU()-cpu0, 1)
	res.ServerMeanMs = serverLatency(s1, s2)
	res.ChildrenSec = round(lastChild.Sub(t0).Seconds(), 2)
	res.Sec = round(last.Sub(t0).Seconds(), 2)
	res.Writes = c2.Sub(c1).Writes()
	res.WritesPerS = round((res.Writes+float64(res.StatusWrites))/res.Sec, 0)
	res.KindMeanMs = map[string]float64{}
	for kind, c := range kindCount {
		res.KindMeanMs[kind] = round(float64(kindNanos[kind])/float64(c)/1e6, 2)
	}
	route := "ingresses"
	if b.platform.Routing == config.RoutingGateway {
		route = "httproutes"
	}
	logf("  floor %s: %.2fs (objects %.2fs; %.0f creates + %d status writes, %.0f writes/s), %d granted requests; server mean ms: %s %.0f, Service %.0f, ConfigMap %.0f",
		tag, res.Sec, res.ChildrenSec, res.Writes, res.StatusWrites, res.WritesPerS, res.GrantedReqs, route, res.ServerMeanMs["POST "+route], res.ServerMeanMs["POST services"], res.ServerMeanMs["POST configmaps"])
	return res, nil
}

// procedureFloorRun is the floor that does the procedure's work as well as the
// objects: for n requests filed and approved by the first two officials beforehand, in
// the measured window, per request and in the same workers as the floor above, the
// Kepala Seksi's approval (the same JSON merge patch, as the same official), the same
// objects, the environment's status writes (the stand-in's, as above) and one status
// write on the request: the record of the outcome (phase Ready with its conditions
// and timeline), copied from a request the operator made Ready earlier in the run so
// that it is the same size. It is what any implementation of the procedure must ask of
// the API server; what the operator adds (the grant, Events, a second status write) is
// not in it. The operator is stopped meanwhile, since it would provision these
// requests; it is started again by the caller. The requests are deleted afterwards,
// before the operator sees them.
func (b *bench) procedureFloorRun(ctx context.Context, n int, tag string, pending []byte) (floorResult, error) {
	logf("figure 2 floor with the procedure: %d requests approved, their sites created and recorded Ready directly (%s)", n, tag)
	subs := names("floor-"+tag, n)
	res := floorResult{N: n, GrantedReqs: b.grantedRequests(ctx), LoadAvg: loadAvg(), WithProcedure: true}
	status, err := b.readyStatus(ctx)
	if err != nil {
		return res, err
	}
	if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error { return b.file(ctx, subs[i], subs[i]) }); err != nil {
		return res, err
	}
	for _, role := range []hostingv1.Role{roleKD, roleKB} {
		if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error { return b.approve(ctx, subs[i], role) }); err != nil {
			return res, err
		}
	}
	// Before the window, each request gets the status the operator gives a request
	// waiting for the Kepala Seksi (its timeline so far), as the operator's requests
	// carry it into theirs: the Kepala Seksi's approval and the Ready status then patch
	// a request of the same size in both windows. Without it the floor patched requests
	// without a status, for about half the API server's CPU per patch (N=1000
	// profiles: 5.6 s for the floor's 2,000 patches, 10.4 s with this status).
	if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error {
		patch := bytes.ReplaceAll(pending, []byte(templateName), []byte(subs[i]))
		return b.floor.Status().Patch(ctx, sdrRef(subs[i]), client.RawPatch(types.MergePatchType, patch))
	}); err != nil {
		return res, fmt.Errorf("recording the floor's requests PendingKepalaSeksi: %w", err)
	}
	if err := waitAll(ctx, time.Minute, "the floor's requests in the benchmark's watch", subs, func(s string) bool {
		return b.tr.phase(s) == hostingv1.PhasePendingKepalaSeksi
	}); err != nil {
		return res, err
	}
	s1, err := b.apiMetrics(ctx)
	if err != nil {
		return res, err
	}
	c1 := countersFrom(s1)
	var mu sync.Mutex
	kindNanos, kindCount := map[string]time.Duration{}, map[string]int{}
	record := func(kind string, took time.Duration) {
		mu.Lock()
		kindNanos[kind] += took
		kindCount[kind]++
		mu.Unlock()
	}
	served := make([][]client.Object, n)
	stopProfile := func() {}
	if b.o.APIServerProfile != "" && n == slices.Max(b.o.N) {
		stopProfile = b.windowProfile(ctx, profilePathFor(b.o.APIServerProfile, "floor"))
	}
	cpu0 := serverCPU()
	t0 := time.Now()
	err = parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error {
		start := time.Now()
		// A retry after a busy server sends the same annotation again: no change.
		if err := b.approve(ctx, subs[i], roleKS); err != nil {
			return err
		}
		record("approval", time.Since(start))
		wrote, err := b.floorSiteWrites(ctx, subs[i], tag, record)
		if err != nil {
			return err
		}
		served[i] = wrote
		start = time.Now()
		patch := bytes.ReplaceAll(status, []byte(templateName), []byte(subs[i]))
		if err := b.floor.Status().Patch(ctx, sdrRef(subs[i]), client.RawPatch(types.MergePatchType, patch)); err != nil {
			return fmt.Errorf("recording %s Ready: %w", subs[i], err)
		}
		record("SubdomainRequest/status", time.Since(start))
		return nil
	})
	if err != nil {
		return res, err
	}
	res.CreateSec = round(time.Since(t0).Seconds(), 2)
	if err := waitAll(ctx, 5*time.Minute, "the floor's requests Ready, their objects and status", subs, func(s string) bool {
		_, ready := b.tr.reached(s, hostingv1.PhaseReady)
		_, created := b.tr.childrenDone(s)
		return ready && created
	}); err != nil {
		stopProfile()
		return res, err
	}
	index := make(map[string]int, n)
	for i, s := range subs {
		index[s] = i
	}
	err = waitAll(ctx, time.Minute, "the floor's stood-in status writes", subs, func(s string) bool {
		for _, obj := range served[index[s]] {
			if _, ok := b.tr.childChanged(s, kindOf(obj), obj.GetNamespace(), obj.GetName()); !ok {
				return false
			}
		}
		return true
	})
	stopProfile()
	if err != nil {
		return res, err
	}
	var lastChild, last time.Time
	for i, s := range subs {
		at, _ := b.tr.childrenDone(s)
		ready, _ := b.tr.reached(s, hostingv1.PhaseReady)
		lastChild = latest(lastChild, at)
		last = latest(last, at, ready)
		for _, obj := range served[i] {
			st, _ := b.tr.childChanged(s, kindOf(obj), obj.GetNamespace(), obj.GetName())
			last = latest(last, st)
		}
		res.StatusWrites += len(served[i])
	}
	s2, err := b.apiMetrics(ctx)
	if err != nil {
		return res, err
	}
	c2 := countersFrom(s2)
	res.ServerCPUSec = round(serverCPU()-cpu0, 1)
	res.ServerMeanMs = serverLatency(s1, s2)
	res.ChildrenSec = round(lastChild.Sub(t0).Seconds(), 2)
	res.Sec = round(last.Sub(t0).Seconds(), 2)
	// Writes: the floor's own (the operator's identity): creates and the request's
	// status; the approvals are the officials', the stand-in's status writes its own.
	res.Writes = c2.Sub(c1).Writes()
	res.Approvals = n
	res.WritesPerS = round((res.Writes+float64(res.StatusWrites+n))/res.Sec, 0)
	res.KindMeanMs = map[string]float64{}
	for kind, c := range kindCount {
		res.KindMeanMs[kind] = round(float64(kindNanos[kind])/float64(c)/1e6, 2)
	}
	logf("  floor with the procedure %s: %.2fs (objects %.2fs; %d approvals + %.0f writes + %d stood-in status writes); mean ms: approval %.1f, request status %.1f",
		tag, res.Sec, res.ChildrenSec, n, res.Writes, res.StatusWrites, res.KindMeanMs["approval"], res.KindMeanMs["SubdomainRequest/status"])
	// The requests go before the operator starts again (it never saw them, so they
	// carry no finalizer); their sites' hosts go with removeFloorHosts.
	if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error {
		return client.IgnoreNotFound(b.admin.Delete(ctx, sdrRef(subs[i])))
	}); err != nil {
		return res, err
	}
	return res, waitAll(ctx, time.Minute, "the floor's requests deleted", subs, b.tr.gone)
}

// profilePathFor is where the API server's profile of another window than the
// operator's batch goes, beside the batch's at path: name.window.ext.
func profilePathFor(path, window string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "." + window + ext
}

// templateName is what readyStatus and pendingStatus put in place of the template
// request's name and subdomain, for procedureFloorRun to put each request's own.
const templateName = "@@request@@"

// readyStatus is the status of a request the operator made Ready in this run, as a JSON
// merge patch of the status, with its name and subdomain replaced by
// templateName.
func (b *bench) readyStatus(ctx context.Context) ([]byte, error) {
	var list hostingv1.SubdomainRequestList
	if err := b.admin.List(ctx, &list); err != nil {
		return nil, err
	}
	for _, sdr := range list.Items {
		if sdr.Status.Phase != hostingv1.PhaseReady || sdr.Name != sdr.Spec.Subdomain {
			continue
		}
		return statusTemplate(&sdr)
	}
	return nil, fmt.Errorf("no Ready request to copy the status of")
}

// pendingStatus is the status the running operator gives a request that waits for
// the Kepala Seksi, as readyStatus's: it files one, has the first two officials
// approve it, copies its status and deletes it.
func (b *bench) pendingStatus(ctx context.Context) ([]byte, error) {
	const name = "template-pending"
	if err := b.preapprove(ctx, name); err != nil {
		return nil, err
	}
	sdr := &hostingv1.SubdomainRequest{}
	if err := b.admin.Get(ctx, client.ObjectKey{Name: name}, sdr); err != nil {
		return nil, err
	}
	if sdr.Status.Phase != hostingv1.PhasePendingKepalaSeksi {
		return nil, fmt.Errorf("%s is %s, not %s", name, sdr.Status.Phase, hostingv1.PhasePendingKepalaSeksi)
	}
	patch, err := statusTemplate(sdr)
	if err != nil {
		return nil, err
	}
	if err := b.admin.Delete(ctx, sdrRef(name)); err != nil {
		return nil, err
	}
	return patch, waitAll(ctx, time.Minute, "the template request deleted", []string{name}, b.tr.gone)
}

// statusTemplate is sdr's status as a JSON merge patch, with its name and subdomain
// replaced by templateName.
func statusTemplate(sdr *hostingv1.SubdomainRequest) ([]byte, error) {
	raw, err := json.Marshal(map[string]any{"status": sdr.Status})
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(raw, []byte(sdr.Name), []byte(templateName)), nil
}

func latest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.After(t) {
			t = m
		}
	}
	return t
}

// removeFloorHosts deletes the floor's objects of the kinds that serve or publish
// hosts (HTTPRoute, ListenerSet and DNSEndpoint with routing gateway; Ingress and
// DNSEndpoint with ingress): the operator follows every such object in the cluster
// (their hosts decide whether a name is free), and the floor's should not weigh on its
// memory later. The floor's other objects lack the request label and stay out of its
// cache.
func (b *bench) removeFloorHosts(ctx context.Context, n int, tags ...string) error {
	return b.removeFloorObjects(ctx, n, b.site.hostKinds, tags...)
}

// removeFloorServices deletes the floor's Services, with the cluster IPs they hold,
// before the next measured window: the API server's IP allocator counts every
// allocated address (IPAddress) in the cluster at each Service create (for its
// metrics), so a create costs it more CPU the more Services exist. Without this, the
// batch measured after the floors would pay for their 2 × N Services: 13.4 CPU s of
// the API server against 2.6 in the floor's window in a profile of N=1000.
func (b *bench) removeFloorServices(ctx context.Context, n int, tags ...string) error {
	return b.removeFloorObjects(ctx, n, []schema.GroupVersionKind{corev1.SchemeGroupVersion.WithKind("Service")}, tags...)
}

// removeFloorObjects deletes the floor sites' objects of kinds.
func (b *bench) removeFloorObjects(ctx context.Context, n int, kinds []schema.GroupVersionKind, tags ...string) error {
	var subs []string
	for _, tag := range tags {
		subs = append(subs, names(fmt.Sprintf("floor-%s%d", tag, n), n)...)
	}
	return parallel(ctx, len(subs), b.o.Workers, func(ctx context.Context, i int) error {
		ns := b.platform.NamespaceFor(subs[i])
		for _, gvk := range kinds {
			obj := &metav1.PartialObjectMetadata{}
			obj.SetGroupVersionKind(gvk)
			obj.SetNamespace(ns)
			obj.SetName(controllers.SiteName)
			if err := b.admin.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
				return err
			}
		}
		return nil
	})
}

// Figures 2 and 3: N requests approved by the first two officials, then all N
// approved by the Kepala Seksi at once; time until every site exists and is Ready,
// and the operator's writes meanwhile.
func (b *bench) figureThroughput(ctx context.Context, n int, floor floorResult, procedure *floorResult, prefix string, policy bool) error {
	logf("figures 2 and 3: N=%d requests approved at once (host-hijacking policy %v)", n, policy)
	list := names(prefix, n)
	c0, err := b.opCounters(ctx)
	if err != nil {
		return err
	}
	if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error { return b.file(ctx, list[i], list[i]) }); err != nil {
		return err
	}
	for _, role := range []hostingv1.Role{roleKD, roleKB} {
		if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error { return b.approve(ctx, list[i], role) }); err != nil {
			return err
		}
	}
	wait := 2*time.Minute + time.Duration(n)*100*time.Millisecond
	if err := waitAll(ctx, wait, "PendingKepalaSeksi", list, func(s string) bool { return b.tr.phase(s) == hostingv1.PhasePendingKepalaSeksi }); err != nil {
		return err
	}
	c1, s1, err := b.settle(ctx, 2*time.Second, 5*time.Minute)
	if err != nil {
		return err
	}
	p1 := b.opProc()
	m1, _, _ := b.scrapeOperator(ctx)
	cpu1 := serverCPU()
	standIn1 := b.standIn.Writes()

	sentAt := make([]time.Time, n)
	stopProfile := func() {}
	if b.o.APIServerProfile != "" && n == slices.Max(b.o.N) {
		stopProfile = b.windowProfile(ctx, b.o.APIServerProfile)
	}
	t0 := time.Now()
	if err := parallel(ctx, n, b.o.Workers, func(ctx context.Context, i int) error {
		sentAt[i] = time.Now()
		return b.approve(ctx, list[i], roleKS)
	}); err != nil {
		return err
	}
	approvals := time.Since(t0)
	if err := waitAll(ctx, wait, "every site's objects", list, func(s string) bool { _, ok := b.tr.childrenDone(s); return ok }); err != nil {
		return err
	}
	err = waitAll(ctx, wait, "every request Ready", list, func(s string) bool { _, ok := b.tr.reached(s, hostingv1.PhaseReady); return ok })
	stopProfile()
	if err != nil {
		return err
	}
	var lastChild, lastReady time.Time
	var perRequest, toNamespace, nsToChildren, childrenToReady []time.Duration
	for i, s := range list {
		c, _ := b.tr.childrenDone(s)
		r, _ := b.tr.reached(s, hostingv1.PhaseReady)
		ns, _ := b.tr.childSeen(s, "Namespace", "", b.platform.NamespaceFor(s))
		if c.After(lastChild) {
			lastChild = c
		}
		if r.After(lastReady) {
			lastReady = r
		}
		perRequest = append(perRequest, r.Sub(sentAt[i]))
		toNamespace = append(toNamespace, ns.Sub(sentAt[i]))
		nsToChildren = append(nsToChildren, c.Sub(ns))
		childrenToReady = append(childrenToReady, r.Sub(c))
	}
	c2, s2, err := b.settle(ctx, 3*time.Second, 5*time.Minute)
	if err != nil {
		return err
	}
	p2 := b.opProc()
	m2, _, _ := b.scrapeOperator(ctx)
	cpu2 := serverCPU()

	tp := throughputResult{ServerCPUSec: round(cpu2-cpu1, 1), N: n, HostHijackingPolicy: policy, GrantedBefore: floor.GrantedReqs, GrantedAfter: b.grantedRequests(ctx), Floor: floor, ApprovalsSec: round(approvals.Seconds(), 2),
		ChildrenSec: round(lastChild.Sub(t0).Seconds(), 2), ReadySec: round(lastReady.Sub(t0).Seconds(), 2),
		PerRequest: distOf(perRequest), Stages: map[string]dist{"approvalToNamespace": distOf(toNamespace),
			"namespaceToLastChild": distOf(nsToChildren), "lastChildToReady": distOf(childrenToReady)},
		ServerMeanMs: serverLatency(s1, s2), OperatorCPUSec: round(p2.CPUSeconds-p1.CPUSeconds, 2), OperatorPeakMiB: round(p2.PeakRSSMiB, 1),
		OperatorMetrics: operatorMeans(m1, m2)}
	tp.SitesPerSec = round(float64(n)/tp.ReadySec, 1)
	tp.LoadAvg = loadAvg()
	tp.StandInWrites = b.standIn.Writes() - standIn1
	// Objects against objects, Ready (objects and the controllers' status) against
	// the floor's objects and the same status writes.
	tp.RatioChildren, tp.RatioReady = ratio(tp.ChildrenSec, floor.ChildrenSec), ratio(tp.ReadySec, floor.Sec)
	if procedure != nil {
		tp.ProcedureFloor, tp.RatioProcedure = procedure, ratio(tp.ReadySec, procedure.Sec)
	}
	b.res.Throughput = append(b.res.Throughput, tp)

	per := c2.Sub(c1).Div(float64(n))
	wr := writesResult{N: n, HostHijackingPolicy: policy, PerRequest: per, Total: round(per.Writes(), 2), Minimum: b.minimumWrites(),
		Ratio: round(per.Writes()/b.minimumWrites(), 2), Lifecycle: round(c2.Sub(c0).Writes()/float64(n), 2),
		Breakdown: writeBreakdown(s1, s2)}
	b.res.Writes = append(b.res.Writes, wr)
	logf("  N=%d: approvals sent in %v, children %.2fs, Ready %.2fs (floor with the procedure %.2fs, ratio %.2f; objects-only floor %.2fs, ratio %.2f); API server+etcd CPU %.1fs (floor %.1fs); %.2f writes/request %+v; stand-in %d status writes",
		n, approvals.Round(time.Millisecond), tp.ChildrenSec, tp.ReadySec, procedure.Sec, tp.RatioProcedure, floor.Sec, tp.RatioReady, tp.ServerCPUSec, floor.ServerCPUSec, wr.Total, per, tp.StandInWrites)
	return nil
}

// Figure 4: the operator's writes while nothing happens.
func (b *bench) figureIdle(ctx context.Context) error {
	logf("figure 4: %s idle", b.o.Idle)
	c1, s1, err := b.settle(ctx, 2*time.Second, 2*time.Minute)
	if err != nil {
		return err
	}
	p1 := b.opProc()
	cpu1 := serverCPU()
	start := time.Now()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(b.o.Idle):
	}
	s2, err := b.apiMetrics(ctx)
	if err != nil {
		return err
	}
	c2 := countersFrom(s2)
	p2 := b.opProc()
	took := time.Since(start).Seconds()
	serverIdle := serverCPU() - cpu1
	total, _ := b.tr.census()
	d := c2.Sub(c1)
	b.res.Idle = &idleResult{Seconds: round(took, 1), Requests: total, Writes: d.Writes(), Reads: d.Reads,
		AllWrites: writeBreakdown(s1, s2), OperatorCPU: round(p2.CPUSeconds-p1.CPUSeconds, 2), ResyncWrites: map[int]float64{},
		ResyncSeconds: b.o.Idle.Seconds(), ServerCPU: round(serverIdle, 2), ServerCPUPerSec: round(serverIdle/took, 3)}
	logf("  %0.f operator writes, %0.f reads in %s; API server+etcd CPU %.2fs (%.3f per second)", d.Writes(), d.Reads, b.o.Idle, serverIdle, serverIdle/took)
	return nil
}

// Figure 5: how long the name check takes for a new request, taken name and free
// name, with the cluster as full as it is now.
func (b *bench) figureAvailability(ctx context.Context) error {
	total, byPhase := b.tr.census()
	logf("figure 5: name check with %d requests in the cluster", total)
	c1, _, err := b.settle(ctx, 500*time.Millisecond, time.Minute)
	if err != nil {
		return err
	}
	var taken, free []time.Duration
	for i := 0; i < b.o.Probes; i++ {
		for _, kind := range []string{"taken", "free"} {
			name := fmt.Sprintf("probe-%d-%s-%02d", total, kind, i)
			sub, want := name, hostingv1.PhasePendingKepalaDinas
			if kind == "taken" {
				sub, want = b.takenSubdomain, hostingv1.PhaseReturnedToApplicant
			}
			t0 := time.Now()
			if err := b.file(ctx, name, sub); err != nil {
				return err
			}
			var at time.Time
			if err := waitFor(ctx, time.Minute, time.Millisecond, name+" "+string(want), func() (bool, string) {
				t, ok := b.tr.reached(name, want)
				at = t
				return ok, string(b.tr.phase(name))
			}); err != nil {
				return err
			}
			if kind == "taken" {
				taken = append(taken, at.Sub(t0))
			} else {
				free = append(free, at.Sub(t0))
			}
			if err := b.applicant.Delete(ctx, sdrRef(name)); err != nil {
				return fmt.Errorf("withdrawing %s: %w", name, err)
			}
			if err := waitFor(ctx, time.Minute, time.Millisecond, name+" gone", func() (bool, string) { return b.tr.gone(name), "" }); err != nil {
				return err
			}
			// Let the operator finish what the probe caused before the next one.
			if _, _, err := b.settle(ctx, 250*time.Millisecond, 30*time.Second); err != nil {
				return err
			}
		}
	}
	c2, _, err := b.settle(ctx, time.Second, time.Minute)
	if err != nil {
		return err
	}
	a := availabilityResult{LoadAvg: loadAvg(), Existing: total, ExistingReady: byPhase[hostingv1.PhaseReady], Taken: distOf(taken), Free: distOf(free),
		WritesPerProbe: c2.Sub(c1).Div(float64(2 * b.o.Probes))}
	b.res.Availability = append(b.res.Availability, a)
	logf("  taken p50 %.0f ms p99 %.0f ms; free p50 %.0f ms p99 %.0f ms; %.2f writes per probe",
		a.Taken.P50, a.Taken.P99, a.Free.P50, a.Free.P99, a.WritesPerProbe.Writes())
	return nil
}

type topUpResult struct {
	added   int
	mode    string
	sec     float64
	peakMiB float64
	cpuSec  float64
}

// topUp adds requests until the cluster holds size of them: pending (filed only) or
// ready (filed, approved by the three officials one after another, and provisioned).
func (b *bench) topUp(ctx context.Context, size int, mode string) (topUpResult, error) {
	total, _ := b.tr.census()
	res := topUpResult{mode: mode}
	if total >= size {
		return res, nil
	}
	res.added = size - total
	if mode == "auto" {
		mode = "ready"
		if res.added > b.o.ScaleReadyMax {
			mode = "pending"
		}
	}
	res.mode = mode
	list := names(fmt.Sprintf("s%d", size), res.added)
	logf("adding %d %s requests to reach %d", res.added, mode, size)
	p1 := b.opProc()
	t0 := time.Now()
	// An operator that ends while adding (killed at its memory limit) ends the run.
	ctx, ended := context.WithCancelCause(ctx)
	defer ended(nil)
	progress, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		for {
			select {
			case <-progress.Done():
				return
			case <-time.After(15 * time.Second):
				_, byPhase := b.tr.census()
				logf("  %.0fs: %v, operator %+v", time.Since(t0).Seconds(), byPhase, b.opProc())
				if b.op.Exited() {
					ended(fmt.Errorf("the operator ended while adding requests (%v; cgroup peak %d bytes): see %s",
						b.op.Cmd.ProcessState, b.op.cgroupPeak, b.op.LogPath))
					return
				}
				if b.o.HeapProfiles != "" && b.op.pprof != "" {
					// The latest live heap while adding, for what a burst of
					// approvals holds (overwritten every 15 s).
					path := filepath.Join(b.o.HeapProfiles, fmt.Sprintf("operator-heap-adding-%d.prof", size))
					if err := fetchTo(ctx, b.op.pprof+"/heap?gc=1", path); err != nil {
						logf("  heap profile: %v", err)
					}
				}
			}
		}
	}()
	err := parallel(ctx, res.added, b.o.Workers, func(ctx context.Context, i int) error {
		if err := b.file(ctx, list[i], list[i]); err != nil {
			return err
		}
		if mode != "ready" {
			return nil
		}
		for _, role := range []hostingv1.Role{roleKD, roleKB, roleKS} {
			if err := b.approve(ctx, list[i], role); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = cause
		}
		return res, err
	}
	want := hostingv1.PhasePendingKepalaDinas
	if mode == "ready" {
		want = hostingv1.PhaseReady
	}
	if err := waitAll(ctx, 10*time.Minute+time.Duration(res.added)*200*time.Millisecond, "added requests "+string(want), list,
		func(s string) bool { _, ok := b.tr.reached(s, want); return ok }); err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = cause
		}
		return res, err
	}
	if _, _, err := b.settle(ctx, 2*time.Second, 10*time.Minute); err != nil {
		return res, err
	}
	p2 := b.opProc()
	res.sec = round(time.Since(t0).Seconds(), 1)
	res.peakMiB, res.cpuSec = round(p2.PeakRSSMiB, 1), round(p2.CPUSeconds-p1.CPUSeconds, 1)
	logf("  added %d in %.1fs", res.added, res.sec)
	return res, nil
}

// Figures 7, 5 and 4 at one size: fill the cluster up; start a fresh operator on it
// (a full resync: every request reconciled once), wait until it settles, stay idle;
// read its peak memory and CPU time; then ask it for names.
func (b *bench) figureScale(ctx context.Context, size int) error {
	logf("figure 7: %d requests", size)
	var fill topUpResult
	if total, _ := b.tr.census(); total < size {
		if err := b.startOperator(ctx, fmt.Sprintf("fill-%d", size), false); err != nil {
			return err
		}
		var err error
		if fill, err = b.topUp(ctx, size, b.o.ScaleMode); err != nil {
			return err
		}
		b.stopOperator()
	}

	s1, err := b.apiMetrics(ctx)
	if err != nil {
		return err
	}
	c1 := countersFrom(s1)
	server0 := serverCPU()
	if err := b.startOperator(ctx, fmt.Sprintf("scale-%d", size), false); err != nil {
		return err
	}
	quiet := 3 * time.Second
	if _, _, err := b.settle(ctx, quiet, 20*time.Minute); err != nil {
		return err
	}
	startup := b.settledAt.Sub(b.op.started)
	serverRestart := serverCPU() - server0
	p1 := b.opProc()
	var checked []string
	if sSettled, err := b.apiMetrics(ctx); err == nil {
		checked = consistencyChecks(s1, sSettled)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(b.o.Idle):
	}
	s2, err := b.apiMetrics(ctx)
	if err != nil {
		return err
	}
	c2 := countersFrom(s2)
	p2 := b.opProc()
	total, byPhase := b.tr.census()
	s := scaleResult{Size: size, LoadAvg: loadAvg(), Requests: total, ByPhase: map[string]int{}, Objects: b.tr.childObjects("floor-"),
		TopUpAdded: fill.added, TopUpMode: fill.mode, TopUpSec: fill.sec, TopUpPeakMiB: fill.peakMiB, TopUpCPUSec: fill.cpuSec,
		StartupSec: round(startup.Seconds(), 1), StartupCPUSec: round(p1.CPUSeconds, 2), StartupServerCPUSec: round(serverRestart, 1), IdleCPUSec: round(p2.CPUSeconds-p1.CPUSeconds, 2),
		PeakRSSMiB: round(p2.PeakRSSMiB, 1), RSSMiB: round(p2.RSSMiB, 1), RSSFileMiB: round(p2.RSSFileMiB, 1),
		ResyncWrites: c2.Sub(c1).Writes(), ResyncAllWrites: writeBreakdown(s1, s2), ResyncReads: c2.Sub(c1).Reads, RestartConsistencyChecks: checked}
	if fill.mode == "ready" && fill.sec > 0 {
		s.TopUpSitesPerS = round(float64(fill.added)/fill.sec, 1)
	}
	for ph, n := range byPhase {
		s.ByPhase[string(ph)] = n
	}
	// One scrape of the operator's metrics endpoint, as Prometheus would do every 15-30 s.
	if m, took, err := b.scrapeOperator(ctx); err == nil {
		s.ScrapeMs = round(float64(took)/float64(time.Millisecond), 1)
		s.HeapInuseMiB = round(m["go_memstats_heap_inuse_bytes"]/(1<<20), 1)
		s.PeakAfterScrap = round(b.opProc().PeakRSSMiB, 1)
	}
	if b.o.HeapProfiles != "" && b.op.pprof != "" {
		path := filepath.Join(b.o.HeapProfiles, fmt.Sprintf("operator-heap-%d.prof", size))
		if err := fetchTo(ctx, b.op.pprof+"/heap?gc=1", path); err != nil {
			logf("  heap profile: %v", err)
		}
	}
	if b.res.Idle != nil {
		b.res.Idle.ResyncWrites[total] = s.ResyncWrites
	}
	logf("  %d requests %v, %d objects: settled after %.1fs (%.1f CPU s; API server and etcd %.1f CPU s), peak RSS %.0f MiB, RSS %.0f MiB (%.0f MiB of it the binary's pages), idle CPU %.2f s, %0.f writes after restart",
		total, byPhase, s.Objects, s.StartupSec, s.StartupCPUSec, s.StartupServerCPUSec, s.PeakRSSMiB, s.RSSMiB, s.RSSFileMiB, s.IdleCPUSec, s.ResyncWrites)
	if len(s.ResyncAllWrites) > 0 {
		logf("  the API server's writes in that window, every client: %v", s.ResyncAllWrites)
	}
	logf("  the API server's consistency checks (a list from etcd each) during the restart: %d %v", len(checked), checked)
	if err := b.figureAvailability(ctx); err != nil {
		return err
	}
	b.stopOperator()
	if ms, err := b.ingressAdmission(ctx, 50); err == nil {
		s.IngressAdmissionMs, s.Granted = ms, b.grantedRequests(ctx)
	} else {
		logf("  probing Ingress admission: %v", err)
	}
	if fp, err := b.cacheFootprint(ctx); err == nil {
		s.Footprint = &fp
	} else {
		logf("  measuring the cached objects: %v", err)
	}
	b.stopOperator()
	s.CgroupPeakMiB = round(float64(b.op.cgroupPeak)/(1<<20), 1)
	if b.o.Restarts > 0 && size == slices.Max(b.o.Scale) {
		s.Again = b.restartAgain(ctx, size, b.o.Restarts)
	}
	if b.o.RestartMemLimit != "" && size == slices.Max(b.o.Scale) {
		s.Limited = b.restartUnderLimit(ctx, size)
	}
	if b.o.RestartArgs != "" && size == slices.Max(b.o.Scale) {
		s.WithArgs = b.restartWithArgs(ctx, size)
	}
	b.res.Scale = append(b.res.Scale, s)
	return nil
}

// restartAgain restarts the operator n times more on the filled cluster as the
// measured restart, and logs the median: one restart may have the API server's own
// periodic consistency check (a list from etcd of each resource) in its window.
func (b *bench) restartAgain(ctx context.Context, size, n int) []*limitedRestart {
	var out []*limitedRestart
	var settled []float64
	clean := 0
	for i := range n {
		r := newRestart(b.mem)
		logf("figure 7: restart %d of %d more at %d", i+1, n, size)
		out = append(out, b.restartOnce(ctx, fmt.Sprintf("again-%d-%d", size, i), r))
		if r.Ended == "" {
			settled = append(settled, r.SettledSec)
			if len(r.ConsistencyChecks) == 0 {
				clean++
			}
		}
	}
	if len(settled) > 0 {
		slices.Sort(settled)
		median := settled[len(settled)/2]
		if len(settled)%2 == 0 {
			median = (settled[len(settled)/2-1] + median) / 2
		}
		logf("  %d more restarts at %d: settled after %v s (median %.1f s); %d without a consistency check of the API server's in the window",
			len(settled), size, settled, median, clean)
	}
	return out
}

// restartUnderLimit restarts the operator once more on the filled cluster, in the
// memory cgroup of -restart-memory-limit.
func (b *bench) restartUnderLimit(ctx context.Context, size int) *limitedRestart {
	r := newRestart(b.limitMem)
	logf("figure 7: a restart at %d under a memory limit of %.0f MiB (soft limit %.0f MiB)", size, r.LimitMiB, r.SoftLimitMiB)
	return b.restartOnce(ctx, fmt.Sprintf("limited-%d", size), r)
}

// restartWithArgs restarts the operator once more on the filled cluster, under the
// run's memory limit, with -restart-args added to its flags.
func (b *bench) restartWithArgs(ctx context.Context, size int) *limitedRestart {
	r := newRestart(b.mem)
	r.Args = b.o.RestartArgs
	logf("figure 7: a restart at %d with %s", size, b.o.RestartArgs)
	return b.restartOnce(ctx, fmt.Sprintf("flags-%d", size), r)
}

// newRestart is a restart to be measured in the memory cgroup mem.
func newRestart(mem memoryCgroup) *limitedRestart {
	return &limitedRestart{LimitMiB: round(float64(mem.limit)/(1<<20), 0), SoftLimitMiB: round(float64(memlimit.Soft(mem.limit))/(1<<20), 0)}
}

// restartOnce starts the operator labelled label on the filled cluster, waits until it
// settles and fills in r.
func (b *bench) restartOnce(ctx context.Context, label string, r *limitedRestart) *limitedRestart {
	s1, err := b.apiMetrics(ctx)
	if err != nil {
		r.Ended = err.Error()
		return r
	}
	c1 := countersFrom(s1)
	server0 := serverCPU()
	if err := b.startOperator(ctx, label, false); err != nil {
		r.Ended = err.Error()
		return r
	}
	quiet := 3 * time.Second
	_, _, err = b.settle(ctx, quiet, 20*time.Minute)
	r.ServerCPUSec = round(serverCPU()-server0, 1)
	p := b.opProc()
	switch {
	case b.op.Exited():
		r.Ended = fmt.Sprint(b.op.Cmd.ProcessState)
	case err != nil:
		r.Ended = err.Error()
	default:
		r.SettledSec = round(b.settledAt.Sub(b.op.started).Seconds(), 1)
		if s2, err := b.apiMetrics(ctx); err == nil {
			r.Writes, r.ConsistencyChecks = countersFrom(s2).Sub(c1).Writes(), consistencyChecks(s1, s2)
		}
	}
	r.CPUSec, r.PeakRSSMiB, r.RSSFileMiB = round(p.CPUSeconds, 2), round(p.PeakRSSMiB, 1), round(p.RSSFileMiB, 1)
	b.stopOperator()
	r.CgroupPeakMiB = round(float64(b.op.cgroupPeak)/(1<<20), 1)
	logf("  %+v", *r)
	return r
}

// hijackBinding binds the host-hijacking admission policy of config/policies.
const hijackBinding = "ingress-host-hijacking.hosting.kuduskab.go.id"

// hijackPolicyActive asks the API server, by a dry-run, whether an Ingress elsewhere
// claiming a granted host is refused.
func (b *bench) hijackPolicyActive(ctx context.Context) (bool, error) {
	host := b.takenSubdomain + "." + zone
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{GenerateName: "hijack-probe-", Namespace: "default"},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
			HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptrTo(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "x", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}},
	}
	err := b.admin.Create(ctx, ing, client.DryRunAll)
	switch {
	case err == nil:
		return false, nil
	case apierrors.IsForbidden(err), apierrors.IsInvalid(err):
		return true, nil
	default:
		return false, err
	}
}

func ptrTo[T any](v T) *T { return &v }

// setHijackPolicy removes or restores (from config/policies) the host-hijacking
// policy's binding in the benchmark's own control plane, and waits until the API
// server acts accordingly.
func (b *bench) setHijackPolicy(ctx context.Context, on bool) error {
	if on {
		if err := b.env.ApplyFile(ctx, filepath.Join(testenv.RepoRoot(), "config/policies/host-hijacking.yaml")); err != nil {
			return err
		}
	} else {
		binding := &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: hijackBinding}}
		if err := b.admin.Delete(ctx, binding); err != nil {
			return err
		}
	}
	return waitFor(ctx, time.Minute, 200*time.Millisecond, fmt.Sprintf("host-hijacking policy active=%v", on), func() (bool, string) {
		active, err := b.hijackPolicyActive(ctx)
		if err != nil {
			return false, err.Error()
		}
		return active == on, fmt.Sprintf("active=%v", active)
	})
}

// hardeningBindings bind the admission policies the hardening (issue 10) added.
var hardeningBindings = []string{
	"operator-confinement.hosting.kuduskab.go.id", "ingress-hosts.hosting.kuduskab.go.id", "dnsendpoint-hosts.hosting.kuduskab.go.id",
	"subdomainrequest-metadata.hosting.kuduskab.go.id", "subdomainrequest-form.hosting.kuduskab.go.id",
}

// dropHardening removes the hardening policies' bindings from the benchmark's own
// control plane and waits until the API server no longer enforces them: the operator
// confinement, which refuses the operator's identity a ConfigMap in kube-system, lets
// a dry run of it through.
func (b *bench) dropHardening(ctx context.Context) error {
	for _, name := range hardeningBindings {
		binding := &admissionv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if err := b.admin.Delete(ctx, binding); err != nil {
			return fmt.Errorf("deleting binding %s: %w", name, err)
		}
	}
	return waitFor(ctx, time.Minute, 200*time.Millisecond, "the operator confinement no longer enforced", func() (bool, string) {
		probe := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "bench-confinement-probe"}}
		err := b.floor.Create(ctx, probe, client.DryRunAll)
		if err != nil {
			return false, err.Error()
		}
		return true, ""
	})
}

// cacheFootprint lists, as JSON, what the operator's cache holds (every request,
// every object of the kinds that serve or publish hosts, and the labelled objects of
// the other kinds) and how
// much of it is managedFields: a proxy for what its memory is spent on.
func (b *bench) cacheFootprint(ctx context.Context) (footprint, error) {
	fp := footprint{ByKind: map[string]kindFootprint{}}
	kinds := append([]schema.GroupVersionKind{hostingv1.GroupVersion.WithKind("SubdomainRequest")}, b.site.kinds...)
	for _, gvk := range kinds {
		var opts []client.ListOption
		if gvk.Kind != "SubdomainRequest" && !slices.Contains(b.site.hostKinds, gvk) {
			opts = append(opts, client.HasLabels{hostingv1.RequestLabel})
		}
		var k kindFootprint
		cont := ""
		for {
			list := &unstructured.UnstructuredList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := b.admin.List(ctx, list, append(opts, client.Limit(500), client.Continue(cont))...); err != nil {
				return fp, err
			}
			for i := range list.Items {
				item := &list.Items[i]
				all, _ := json.Marshal(item.Object)
				mf, _ := json.Marshal(item.GetManagedFields())
				k.Objects++
				k.JSONBytes += len(all)
				k.ManagedFieldsBytes += len(mf)
			}
			if cont = list.GetContinue(); cont == "" {
				break
			}
		}
		fp.ByKind[gvk.Kind] = k
		fp.Objects += k.Objects
		fp.JSONMiB += float64(k.JSONBytes) / (1 << 20)
		fp.ManagedFieldsMiB += float64(k.ManagedFieldsBytes) / (1 << 20)
	}
	fp.JSONMiB, fp.ManagedFieldsMiB = round(fp.JSONMiB, 1), round(fp.ManagedFieldsMiB, 1)
	return fp, nil
}

// ingressAdmission is the mean time of n dry-run Ingress creates for free hosts: the
// admission path (the host-hijacking policy's lookup in the granted-hosts map
// included) without storing anything.
func (b *bench) ingressAdmission(ctx context.Context, n int) (float64, error) {
	var total time.Duration
	for i := 0; i < n; i++ {
		host := fmt.Sprintf("admission-probe-%d.%s", i, zone)
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("admission-probe-%d", i), Namespace: "default"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{
				HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptrTo(networkingv1.PathTypePrefix),
					Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}}}},
		}
		start := time.Now()
		// Hosts under the base domain are deny-by-default outside site namespaces
		// (ingress-hosts policy): the refusal is the policies' full evaluation too.
		if err := b.floor.Create(ctx, ing, client.DryRunAll); err != nil && !apierrors.IsForbidden(err) {
			return 0, err
		}
		total += time.Since(start)
	}
	return round(float64(total)/float64(n)/1e6, 2), nil
}

// grantMapWrites measures what recording one grant costs as the grants map grows: a
// scratch ConfigMap shaped like granted-hosts (one key per granted host) is filled
// with size keys, then one-key JSON merge patches are sent as the operator sends them
// (as the administrator: the operator's own identity is confined to the real maps),
// one at a time and 16 at once on the same object.
func (b *bench) grantMapWrites(ctx context.Context, sizes []int) ([]grantMapResult, error) {
	var out []grantMapResult
	for _, size := range sizes {
		name := fmt.Sprintf("bench-grants-%d", size)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Data: map[string]string{}}
		for i := 0; i < size; i++ {
			sub := fmt.Sprintf("s%d-%05d", size, i)
			cm.Data[b.platform.FQDN(sub)] = b.platform.NamespaceFor(sub) + " " + sub
		}
		if err := b.admin.Create(ctx, cm); err != nil {
			return out, fmt.Errorf("creating a grants map of %d keys: %w", size, err)
		}
		r := grantMapResult{Keys: size}
		if got := &(corev1.ConfigMap{}); b.admin.Get(ctx, client.ObjectKeyFromObject(cm), got) == nil {
			data, _ := json.Marshal(got)
			r.ObjectKiB = round(float64(len(data))/1024, 1)
		}
		patch := func(ctx context.Context, key string, value *string) (time.Duration, error) {
			data, _ := json.Marshal(map[string]any{"data": map[string]*string{key: value}})
			start := time.Now()
			// As the administrator: the operator's identity may write only the real
			// grant maps (operator-confinement policy).
			err := b.admin.Patch(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}},
				client.RawPatch(client.Merge.Type(), data), client.FieldOwner("subdomain-operator"))
			return time.Since(start), err
		}
		var one []time.Duration
		for i := 0; i < 20; i++ {
			v := "web-probe probe"
			took, err := patch(ctx, fmt.Sprintf("probe-%d.%s", i, zone), &v)
			if err != nil {
				return out, err
			}
			one = append(one, took)
		}
		var mu sync.Mutex
		var concurrent []time.Duration
		t0 := time.Now()
		err := parallel(ctx, 64, b.o.Workers, func(ctx context.Context, i int) error {
			v := "web-probe probe"
			took, err := patch(ctx, fmt.Sprintf("probe-c%d.%s", i, zone), &v)
			mu.Lock()
			concurrent = append(concurrent, took)
			mu.Unlock()
			return err
		})
		if err != nil {
			return out, err
		}
		r.Sequential, r.Concurrent = distOf(one), distOf(concurrent)
		r.ConcurrentPerSec = round(64/time.Since(t0).Seconds(), 1)
		_ = b.admin.Delete(ctx, cm)
		logf("  grants map of %d keys (%.0f KiB): one-key patch p50 %.0f ms alone, %.0f ms with %d at once (%.0f/s)",
			size, r.ObjectKiB, r.Sequential.P50, r.Concurrent.P50, b.o.Workers, r.ConcurrentPerSec)
		out = append(out, r)
	}
	return out, nil
}

// restartProfiles takes CPU profiles of the operator (as soon as its pprof endpoint
// answers) and of the API server at the same time, from a restart on, and writes them
// to -restart-profiles.
func (b *bench) restartProfiles(ctx context.Context, label, pprofURL string) {
	secs := b.o.RestartProfileSeconds
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		b.apiserverProfile(ctx, secs, filepath.Join(b.o.RestartProfiles, "apiserver-"+label+".prof"))
	}()
	go func() {
		defer wg.Done()
		path := filepath.Join(b.o.RestartProfiles, "operator-"+label+".prof")
		var err error
		for range 200 {
			if err = fetchTo(ctx, fmt.Sprintf("%s/profile?seconds=%d", pprofURL, secs), path); err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		logf("  operator restart profile (%d s) written to %s: %v", secs, path, err)
	}()
	wg.Wait()
}

// profileChunk is the length of each of the consecutive API server profiles that
// windowProfile merges.
const profileChunk = 5 * time.Second

// windowProfile profiles the API server's CPU from now until the returned stop is
// called, in consecutive profiles of profileChunk (the profile endpoint takes its
// length up front), and writes them merged to path: a profile of the window and up to
// one chunk more. stop waits for the last chunk.
func (b *bench) windowProfile(ctx context.Context, path string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		var parts []*profile.Profile
		var err error
		for stopped := false; !stopped; {
			var p *profile.Profile
			if p, err = b.apiserverCPUProfile(ctx, int(profileChunk/time.Second)); err != nil {
				break
			}
			parts = append(parts, p)
			select {
			case <-done:
				stopped = true
			default:
			}
		}
		if err == nil {
			err = writeMerged(parts, path)
		}
		logf("  API server profile of %s in %d parts written to %s: %v", time.Since(start).Round(time.Second), len(parts), path, err)
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		<-finished
	}
}

// apiserverCPUProfile takes a CPU profile of the API server over secs seconds.
func (b *bench) apiserverCPUProfile(ctx context.Context, secs int) (*profile.Profile, error) {
	url := strings.TrimSuffix(b.env.Config.Host, "/") + fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.adminHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return profile.Parse(resp.Body)
}

// writeMerged writes the profiles merged into one to path.
func writeMerged(parts []*profile.Profile, path string) error {
	merged, err := profile.Merge(parts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := merged.Write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// apiserverProfile writes a CPU profile of the API server, taken over secs seconds, to
// path.
func (b *bench) apiserverProfile(ctx context.Context, secs int, path string) {
	p, err := b.apiserverCPUProfile(ctx, secs)
	if err == nil {
		err = writeMerged([]*profile.Profile{p}, path)
	}
	logf("  API server profile (%d s) written to %s: %v", secs, path, err)
}

// serverCPU is the CPU time, in seconds, that the API server and etcd (this
// process's children) have used so far.
func serverCPU() float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	total := 0.0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime(14) stime(15)
		open, closing := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
		if open < 0 || closing < 0 {
			continue
		}
		comm := string(stat[open+1 : closing])
		f := strings.Fields(string(stat[closing+1:]))
		if len(f) < 13 || (comm != "kube-apiserver" && comm != "etcd") {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid != os.Getpid() {
			continue
		}
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		total += (utime + stime) / 100
	}
	return total
}

// fetchTo saves the body of a GET to path.
func fetchTo(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// floorSiteWrites creates a floor site's objects for sub, then writes the stood-in
// status of those that have one, timing each write under its kind (and kind/status);
// it returns the objects whose status it wrote.
func (b *bench) floorSiteWrites(ctx context.Context, sub, tag string, record func(string, time.Duration)) ([]client.Object, error) {
	objs := floorSite(b.platform, sub, tag)
	for _, obj := range objs {
		start := time.Now()
		err := b.floor.Create(ctx, obj)
		if apierrors.IsAlreadyExists(err) {
			// Created by an earlier try: read it, for its status write below.
			err = b.floor.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		}
		if err != nil {
			return nil, fmt.Errorf("creating %s for %s: %w", kindOf(obj), sub, err)
		}
		record(kindOf(obj), time.Since(start))
	}
	var wrote []client.Object
	for _, obj := range objs {
		start := time.Now()
		ok, err := b.standIn.markAndWrite(ctx, obj)
		if err != nil {
			return nil, fmt.Errorf("writing the status of %s for %s: %w", kindOf(obj), sub, err)
		}
		if ok {
			record(kindOf(obj)+"/status", time.Since(start))
			wrote = append(wrote, obj)
		}
	}
	return wrote, nil
}
