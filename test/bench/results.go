package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Results is what bench/results.json holds.
type Results struct {
	StartedAt    time.Time            `json:"startedAt"`
	FinishedAt   time.Time            `json:"finishedAt"`
	DurationSec  float64              `json:"durationSec"`
	Error        string               `json:"error,omitempty"`
	Machine      machine              `json:"machine"`
	Options      options              `json:"options"`
	Setup        setupInfo            `json:"setup"`
	Latency      *latencyResult       `json:"figure1Latency,omitempty"`
	Throughput   []throughputResult   `json:"figure2Throughput,omitempty"`
	Writes       []writesResult       `json:"figure3Writes,omitempty"`
	Idle         *idleResult          `json:"figure4Idle,omitempty"`
	Availability []availabilityResult `json:"figure5Availability,omitempty"`
	DNS          *dnsResult           `json:"figure6DNS,omitempty"`
	Scale        []scaleResult        `json:"figure7Scale,omitempty"`
	// GrantMap: a one-key merge patch into a granted-hosts-shaped ConfigMap of
	// growing size, alone and with -workers at once (what recording a grant costs).
	GrantMap []grantMapResult `json:"grantMapWrites,omitempty"`
	Targets  []target         `json:"targets"`
}

type machine struct {
	NProc              int      `json:"nproc"`
	MemoryGiB          float64  `json:"memoryGiB"`
	CPUModel           string   `json:"cpuModel"`
	Kernel             string   `json:"kernel"`
	GoVersion          string   `json:"goVersion"`
	KubeAPIServer      string   `json:"kubeAPIServer"`
	Etcd               string   `json:"etcd"`
	ExternalDNS        string   `json:"externalDNS"`
	BIND               string   `json:"bind"`
	LoadAvgStart       string   `json:"loadAvgStart"`
	LoadAvgEnd         string   `json:"loadAvgEnd"`
	OperatorCommit     string   `json:"operatorCommit"`
	OperatorDirtyFiles []string `json:"operatorDirtyFiles,omitempty"`
}

type setupInfo struct {
	OperatorPriorityLevel string   `json:"operatorPriorityLevel"`
	OperatorArgs          []string `json:"operatorArgs"`
	// ObjectsPerSite and SiteKinds: what the operator makes per site in the measured
	// configuration (controllers.DesiredObjects), the Namespace included.
	ObjectsPerSite int      `json:"objectsPerSite"`
	SiteKinds      []string `json:"siteKinds"`
	// StoodIn: the kinds whose status the stand-in writes (as their controllers
	// would), once per object, as its own service account; the floor writes the same.
	StoodIn []string `json:"statusStoodInFor"`
	// MemoryLimitMiB: each operator process's memory limit (the Deployment's, unless
	// -memory-limit says otherwise); Enforced: by the kernel, in a memory cgroup (else
	// only as GOMEMLIMIT).
	MemoryLimitMiB      float64 `json:"operatorMemoryLimitMiB"`
	MemoryLimitEnforced bool    `json:"operatorMemoryLimitEnforced"`
}

// dist summarises durations in milliseconds. Percentiles are nearest-rank: with 50
// samples p99 is the largest.
type dist struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50Ms"`
	P90  float64 `json:"p90Ms"`
	P99  float64 `json:"p99Ms"`
	Max  float64 `json:"maxMs"`
	Mean float64 `json:"meanMs"`
}

func distOf(d []time.Duration) dist {
	if len(d) == 0 {
		return dist{}
	}
	ms := make([]float64, len(d))
	sum := 0.0
	for i, x := range d {
		ms[i] = float64(x) / float64(time.Millisecond)
		sum += ms[i]
	}
	sort.Float64s(ms)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(ms)))) - 1
		if i < 0 {
			i = 0
		}
		return round(ms[i], 1)
	}
	return dist{N: len(ms), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: round(ms[len(ms)-1], 1), Mean: round(sum/float64(len(ms)), 1)}
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

type latencyResult struct {
	Requests int    `json:"requests"`
	LoadAvg  string `json:"loadAvg"`
	// ToChildren: the Kepala Seksi's approval sent → the last of the site's objects seen.
	ToChildren dist `json:"approvalToChildren"`
	// ToReady: the approval sent → phase Ready (DNS answered by BIND, verified by the operator).
	ToReady dist `json:"approvalToReady"`
	// Writes by the operator per request, approval → Ready, with DNS verification.
	WritesPerRequest opCounters `json:"writesPerRequest"`
	WritesTotal      float64    `json:"writesPerRequestTotal"`
	Breakdown        map[string]float64
}

type floorResult struct {
	N       int    `json:"n"`
	LoadAvg string `json:"loadAvg"`
	// WithProcedure: the floor also sent the Kepala Seksi's approvals (Approvals,
	// the officials' writes, not in Writes) and wrote each request's status once
	// (procedureFloorRun); without it, the objects and the stood-in status writes only.
	WithProcedure bool `json:"withProcedure"`
	Approvals     int  `json:"approvals,omitempty"`
	// Sec: the first create sent → the last object and the last of the stood-in
	// status writes seen by the benchmark's watch; ChildrenSec: → the last object seen.
	Sec         float64 `json:"sec"`
	ChildrenSec float64 `json:"allObjectsSec"`
	// StatusWrites: the status writes done as the stand-in does them for the
	// operator's sites (its identity, not counted in Writes, the operator's).
	StatusWrites int                `json:"standInStatusWrites"`
	CreateSec    float64            `json:"lastCreateAnsweredSec"`
	WritesPerS   float64            `json:"writesPerSec"`
	Writes       float64            `json:"writes"`
	KindMeanMs   map[string]float64 `json:"createLatencyMeanMsByKind"`
	GrantedReqs  int                `json:"grantedRequestsInCluster"`
	// ServerCPUSec: CPU seconds the API server and etcd used meanwhile.
	ServerCPUSec float64 `json:"serverCPUSec"`
	// ServerMeanMs: the API server's mean time per write, by verb and resource.
	ServerMeanMs map[string]float64 `json:"serverMeanMs"`
}

type throughputResult struct {
	N       int    `json:"n"`
	LoadAvg string `json:"loadAvg"`
	// HostHijackingPolicy: whether the policy's binding was in place (as installed)
	// or removed (to show the operator's own overhead).
	HostHijackingPolicy bool `json:"hostHijackingPolicy"`
	// GrantedBefore/After: requests labelled approved, the policy's parameters.
	GrantedBefore int `json:"grantedBefore"`
	GrantedAfter  int `json:"grantedAfter"`
	// Floor: the same objects created directly, measured right before the batch.
	Floor floorResult `json:"floor"`
	// ProcedureFloor: the floor that also approves and records each request Ready
	// (procedureFloorRun), measured right before Floor; RatioProcedure: all Ready over
	// it. Figure 2's target is judged on RatioProcedure.
	ProcedureFloor *floorResult `json:"floorWithProcedure,omitempty"`
	RatioProcedure float64      `json:"ratioReadyToProcedureFloor,omitempty"`
	// ApprovalsSec: how long the N Kepala Seksi approvals took to send (16 writers).
	ApprovalsSec float64 `json:"approvalsSentSec"`
	ChildrenSec  float64 `json:"allChildrenSec"`
	ReadySec     float64 `json:"allReadySec"`
	SitesPerSec  float64 `json:"readySitesPerSec"`
	// StandInWrites: the status writes of the stand-in for the environment's
	// controllers in the window (not the operator's; not in figure 3).
	StandInWrites int64 `json:"standInStatusWrites"`
	// RatioChildren: operator's all objects over the floor's; RatioReady: all Ready
	// over the floor's objects and status writes.
	RatioChildren float64 `json:"ratioChildren"`
	RatioReady    float64 `json:"ratioReady"`
	// PerRequest: each request's own approval → Ready under load.
	PerRequest dist `json:"perRequestApprovalToReady"`
	// Stages: each request's approval → its Namespace seen → its last object seen →
	// Ready.
	Stages          map[string]dist    `json:"stages"`
	ServerMeanMs    map[string]float64 `json:"serverMeanMs"`
	OperatorCPUSec  float64            `json:"operatorCPUSec"`
	OperatorPeakMiB float64            `json:"operatorPeakRSSMiB"`
	// ServerCPUSec: CPU seconds the API server and etcd used from the first approval
	// until the operator was quiet again (the officials' approvals included).
	ServerCPUSec    float64            `json:"serverCPUSec"`
	OperatorMetrics map[string]float64 `json:"operatorMetricsDelta,omitempty"`
}

type writesResult struct {
	N                   int  `json:"n"`
	HostHijackingPolicy bool `json:"hostHijackingPolicy"`
	// PerRequest: the operator's requests (exact, by flow schema) from the first
	// Kepala Seksi approval until everything settled, divided by N.
	PerRequest opCounters `json:"perRequest"`
	Total      float64    `json:"writesPerRequest"`
	Minimum    float64    `json:"minimum"`
	Ratio      float64    `json:"ratioToMinimum"`
	// Lifecycle: the operator's writes per request from filing to Ready (the status
	// written at filing and at each approval included).
	Lifecycle float64 `json:"lifecycleWritesPerRequest"`
	// Breakdown: apiserver_request_total write series in the window, from every
	// client (the benchmark's N approval patches are among the subdomainrequests PATCHes).
	Breakdown map[string]float64 `json:"apiserverWriteBreakdown"`
}

type idleResult struct {
	Seconds       float64            `json:"seconds"`
	Requests      int                `json:"requests"`
	Writes        float64            `json:"operatorWrites"`
	Reads         float64            `json:"operatorReads"`
	AllWrites     map[string]float64 `json:"apiserverWritesAllClients"`
	OperatorCPU   float64            `json:"operatorCPUSec"`
	ResyncWrites  map[int]float64    `json:"writesAfterRestartBySize"`
	ResyncSeconds float64            `json:"restartWindowSec"`
	// ServerCPU: the API server's and etcd's CPU in the idle window, their own
	// background (watch-cache checks, leases, the watches' bookmarks), which every
	// measured window also holds.
	ServerCPU       float64 `json:"serverCPUSec"`
	ServerCPUPerSec float64 `json:"serverCPUPerSec"`
}

type availabilityResult struct {
	LoadAvg        string     `json:"loadAvg"`
	Existing       int        `json:"existingRequests"`
	ExistingReady  int        `json:"existingReady"`
	Taken          dist       `json:"takenNameToReturned"`
	Free           dist       `json:"freeNameToPendingKepalaDinas"`
	WritesPerProbe opCounters `json:"operatorWritesPerProbe"`
}

type dnsResult struct {
	Names    int     `json:"names"`
	LoadAvg  string  `json:"loadAvg"`
	Operator dist    `json:"approvalToDigAnswer"`
	Floor    dist    `json:"dnsEndpointToDigAnswer"`
	Ratio    float64 `json:"ratioP50"`
	RatioAvg float64 `json:"ratioMean"`
	// Added: per name, the operator's time minus the direct one (started together).
	Added dist `json:"operatorMinusDirect"`
}

type scaleResult struct {
	Size int `json:"size"`
	// Limited: one more restart at this size in a memory cgroup of -restart-memory-limit.
	Limited *limitedRestart `json:"restartUnderOtherLimit,omitempty"`
	// WithArgs: one more restart at this size with -restart-args added to the flags.
	WithArgs *limitedRestart `json:"restartWithOtherFlags,omitempty"`
	// Again: -restarts more restarts at this size, as the measured one (same limit,
	// same flags), for the spread of the restart's figures.
	Again    []*limitedRestart `json:"restartsAgain,omitempty"`
	LoadAvg  string            `json:"loadAvg"`
	Requests int               `json:"requests"`
	ByPhase  map[string]int    `json:"byPhase"`
	Objects  int               `json:"provisionedObjects"`
	// TopUp: how the requests were added (and, in ready mode, provisioned).
	TopUpAdded     int     `json:"added"`
	TopUpMode      string  `json:"addedAs"`
	TopUpSec       float64 `json:"addSec"`
	TopUpPeakMiB   float64 `json:"operatorPeakRSSMiBWhileAdding"`
	TopUpCPUSec    float64 `json:"operatorCPUSecWhileAdding"`
	TopUpSitesPerS float64 `json:"readySitesPerSecWhileAdding,omitempty"`
	// A fresh operator process on the filled cluster.
	StartupSec    float64 `json:"restartToSettledSec"`
	StartupCPUSec float64 `json:"restartCPUSec"`
	// StartupServerCPUSec: the API server's and etcd's CPU over the same window.
	StartupServerCPUSec float64 `json:"restartServerCPUSec"`
	IdleCPUSec          float64 `json:"idleCPUSec"`
	PeakRSSMiB          float64 `json:"peakRSSMiB"`
	// RSSFileMiB: of the RSS at the end, the binary's pages.
	RSSFileMiB   float64 `json:"rssFileMiB"`
	RSSMiB       float64 `json:"rssMiB"`
	HeapInuseMiB float64 `json:"heapInuseMiB,omitempty"`
	ResyncWrites float64 `json:"writesAfterRestart"`
	// ResyncAllWrites: what the API server wrote in the same window, by resource and
	// verb, from every client (the stand-in's status writes included).
	ResyncAllWrites map[string]float64 `json:"writesAfterRestartAllClients,omitempty"`
	ResyncReads     float64            `json:"readsAfterRestart"`
	// RestartConsistencyChecks: the resources the API server checked against etcd
	// (its periodic watch-cache consistency check) between the operator's start and
	// its settling; each costs the API server a list of the resource from etcd.
	RestartConsistencyChecks []string   `json:"restartConsistencyChecks"`
	ScrapeMs                 float64    `json:"metricsScrapeMs,omitempty"`
	Footprint                *footprint `json:"cachedObjectsAsJSON,omitempty"`
	// IngressAdmissionMs: mean of dry-run Ingress creates, with Granted hosts in the
	// host-hijacking policy's map.
	IngressAdmissionMs float64 `json:"ingressDryRunCreateMs,omitempty"`
	Granted            int     `json:"grantedHosts"`
	PeakAfterScrap     float64 `json:"peakRSSMiBAfterOneScrape,omitempty"`
	// CgroupPeakMiB: the peak of the memory cgroup the process ran in (its memory
	// and the page cache of its log), when -memory-limit made one.
	CgroupPeakMiB float64 `json:"cgroupPeakMiB,omitempty"`
}

type footprint struct {
	Objects          int                      `json:"objects"`
	JSONMiB          float64                  `json:"jsonMiB"`
	ManagedFieldsMiB float64                  `json:"managedFieldsMiB"`
	ByKind           map[string]kindFootprint `json:"byKind"`
}

type kindFootprint struct {
	Objects            int `json:"objects"`
	JSONBytes          int `json:"jsonBytes"`
	ManagedFieldsBytes int `json:"managedFieldsBytes"`
}

type grantMapResult struct {
	Keys             int     `json:"keys"`
	ObjectKiB        float64 `json:"objectKiB"`
	Sequential       dist    `json:"onePatchAlone"`
	Concurrent       dist    `json:"patchesConcurrently"`
	ConcurrentPerSec float64 `json:"concurrentPatchesPerSec"`
}

type target struct {
	Figure string `json:"figure"`
	Target string `json:"target"`
	Value  string `json:"value"`
	Met    bool   `json:"met"`
}

// minimumWrites is the fewest writes the design allows from the last approval to
// Ready: the grant recorded in a granted-hosts ConfigMap (the host-hijacking policy's
// maps), one create per object of the site (the Namespace and what is in it: twelve
// with routing gateway and TLS, ten when the recorded runs had an Ingress with
// cert-manager's annotation), one status write (Ready), one Event (the applicant is
// told). The finalizer is added when the request is filed, before this window (it
// counts in the lifecycle figure). The status writes of the environment's controllers
// (the stand-in's) are not the operator's and are not counted.
func (b *bench) minimumWrites() float64 { return float64(b.site.objectsPerSite() + 3) }

func (b *bench) evaluateTargets() {
	var t []target
	add := func(fig, tgt, val string, met bool) { t = append(t, target{fig, tgt, val, met}) }
	if l := b.res.Latency; l != nil && l.Requests > 0 {
		add("1", "approval → children p99 ≤ 100 ms", fmt.Sprintf("%.0f ms", l.ToChildren.P99), l.ToChildren.P99 <= 100)
	}
	for _, policy := range []bool{true, false} {
		var last *throughputResult
		for i := range b.res.Throughput {
			if b.res.Throughput[i].HostHijackingPolicy == policy {
				last = &b.res.Throughput[i]
			}
		}
		if last == nil {
			continue
		}
		how := "as installed"
		if !policy {
			how = "host-hijacking policy off"
		}
		if last.ProcedureFloor != nil {
			add("2", fmt.Sprintf("operator/floor with the procedure ≤ 1.5 at N=%d, %s", last.N, how),
				fmt.Sprintf("%.2f (Ready; objects-only floor %.2f, children %.2f)", last.RatioProcedure, last.RatioReady, last.RatioChildren), last.RatioProcedure <= 1.5)
			continue
		}
		add("2", fmt.Sprintf("operator/floor ≤ 1.5 at N=%d, %s", last.N, how),
			fmt.Sprintf("%.2f (Ready), %.2f (children)", last.RatioReady, last.RatioChildren), last.RatioReady <= 1.5)
	}
	for i := range b.res.Writes {
		x := b.res.Writes[i]
		if x.HostHijackingPolicy && x.N == b.o.N[len(b.o.N)-1] {
			add("3", fmt.Sprintf("writes/request ≤ 1.2 × %.0f at N=%d", x.Minimum, x.N), fmt.Sprintf("%.2f (%.2f×)", x.Total, x.Ratio), x.Ratio <= 1.2)
		}
	}
	if i := b.res.Idle; i != nil {
		met := i.Writes == 0
		val := fmt.Sprintf("%.0f in %.0fs", i.Writes, i.Seconds)
		for _, size := range sortedInts(i.ResyncWrites) {
			met = met && i.ResyncWrites[size] == 0
			val += fmt.Sprintf("; %.0f after restart at %d", i.ResyncWrites[size], size)
		}
		add("4", "idle writes = 0", val, met)
	}
	if a := b.res.Availability; len(a) > 1 {
		first, last := a[0], a[len(a)-1]
		rt, rf := ratio(last.Taken.P50, first.Taken.P50), ratio(last.Free.P50, first.Free.P50)
		add("5", fmt.Sprintf("availability p50 %d/%d ≤ 2", last.Existing, first.Existing), fmt.Sprintf("%.2f (taken), %.2f (free)", rt, rf), rt <= 2 && rf <= 2)
	}
	if d := b.res.DNS; d != nil && d.Names > 0 {
		add("6", "DNS propagation operator/floor ≤ 1.2", fmt.Sprintf("%.2f (p50), %.2f (mean)", d.Ratio, d.RatioAvg), d.Ratio <= 1.2)
	}
	if s := b.res.Scale; len(s) > 0 {
		x := s[len(s)-1]
		add("7", fmt.Sprintf("peak RSS ≤ 150 MiB at %d requests", x.Requests), fmt.Sprintf("%.0f MiB", x.PeakRSSMiB), x.PeakRSSMiB <= 150)
	}
	b.res.Targets = t
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round(a/b, 2)
}

func sortedInts[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

func metStr(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func (b *bench) printTable(out io.Writer) {
	r := b.res
	fmt.Fprintf(out, "\nSubdomain operator benchmark — %d CPUs, %.1f GiB, %s, kube-apiserver %s, load %s → %s\n\n",
		r.Machine.NProc, r.Machine.MemoryGiB, r.Machine.GoVersion, r.Machine.KubeAPIServer, r.Machine.LoadAvgStart, r.Machine.LoadAvgEnd)
	w := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "Figure\tMeasure\tValue")
	if l := r.Latency; l != nil {
		fmt.Fprintf(w, "1\tlast approval → %d objects, %d requests one at a time\tp50 %.0f ms, p99 %.0f ms\n", r.Setup.ObjectsPerSite, l.Requests, l.ToChildren.P50, l.ToChildren.P99)
		fmt.Fprintf(w, "1\tlast approval → Ready (DNS answered)\tp50 %.0f ms, p99 %.0f ms\n", l.ToReady.P50, l.ToReady.P99)
		fmt.Fprintf(w, "1\toperator writes per request (with DNS verification)\t%.2f\n", l.WritesTotal)
	}
	for _, x := range r.Throughput {
		how := "as installed"
		if !x.HostHijackingPolicy {
			how = "policy off"
		}
		fmt.Fprintf(w, "2\tN=%d %s: objects-only floor (direct, %d writers), %d→%d granted\t%.2f s (%.0f writes/s)\n", x.N, how, b.o.Workers, x.GrantedBefore, x.GrantedAfter, x.Floor.Sec, x.Floor.WritesPerS)
		if p := x.ProcedureFloor; p != nil {
			fmt.Fprintf(w, "2\tN=%d %s: floor with the procedure (approval, objects, one request status write)\t%.2f s (%.0f writes/s); API server + etcd CPU %.1f s; operator/floor %.2f\n", x.N, how, p.Sec, p.WritesPerS, p.ServerCPUSec, x.RatioProcedure)
		}
		fmt.Fprintf(w, "2\tN=%d %s: operator, all children / all Ready\t%.2f s / %.2f s (ratio %.2f / %.2f)\n", x.N, how, x.ChildrenSec, x.ReadySec, x.RatioChildren, x.RatioReady)
		fmt.Fprintf(w, "2\tN=%d %s: API server + etcd CPU, floor / operator (approvals included)\t%.1f s / %.1f s (ratio %.2f)\n", x.N, how, x.Floor.ServerCPUSec, x.ServerCPUSec, ratio(x.ServerCPUSec, x.Floor.ServerCPUSec))
	}
	for _, x := range r.Writes {
		if !x.HostHijackingPolicy {
			continue
		}
		fmt.Fprintf(w, "3\tN=%d operator writes per request (minimum %.0f)\t%.2f = %.2f status + %.2f sdr + %.2f events + %.2f create + %.2f update/patch + %.2f delete (%.2f×)\n",
			x.N, x.Minimum, x.Total, x.PerRequest.SDRStatus, x.PerRequest.SDR, x.PerRequest.Events, x.PerRequest.Creates, x.PerRequest.Updates, x.PerRequest.Deletes, x.Ratio)
	}
	if i := r.Idle; i != nil {
		fmt.Fprintf(w, "4\toperator writes in %.0fs idle, %d requests\t%.0f\n", i.Seconds, i.Requests, i.Writes)
		for _, size := range sortedInts(i.ResyncWrites) {
			fmt.Fprintf(w, "4\toperator writes after a restart (full resync) at %d\t%.0f\n", size, i.ResyncWrites[size])
		}
	}
	for _, a := range r.Availability {
		fmt.Fprintf(w, "5\tname check with %d requests: taken → Returned / free → Pending\tp50 %.0f / %.0f ms, p99 %.0f / %.0f ms\n", a.Existing, a.Taken.P50, a.Free.P50, a.Taken.P99, a.Free.P99)
	}
	if d := r.DNS; d != nil {
		fmt.Fprintf(w, "6\tapproval → dig answers / DNSEndpoint → dig answers, %d names\tp50 %.0f / %.0f ms, mean %.0f / %.0f ms (ratio %.2f)\n", d.Names, d.Operator.P50, d.Floor.P50, d.Operator.Mean, d.Floor.Mean, d.Ratio)
	}
	for _, s := range r.Scale {
		fmt.Fprintf(w, "7\t%d requests (%s), %d objects: peak RSS / RSS / CPU restart+settle / CPU idle\t%.0f MiB / %.0f MiB / %.1f s / %.2f s\n",
			s.Requests, phaseSummary(s.ByPhase), s.Objects, s.PeakRSSMiB, s.RSSMiB, s.StartupCPUSec, s.IdleCPUSec)
	}
	for _, g := range r.GrantMap {
		fmt.Fprintf(w, "7\tgrants map of %d keys (%.0f KiB): one-key patch alone / %d at once\tp50 %.0f / %.0f ms (%.0f patches/s)\n",
			g.Keys, g.ObjectKiB, b.o.Workers, g.Sequential.P50, g.Concurrent.P50, g.ConcurrentPerSec)
	}
	w.Flush()
	fmt.Fprintln(out)
	w = tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "Figure\tTarget\tMeasured\tResult")
	for _, t := range r.Targets {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Figure, t.Target, t.Value, metStr(t.Met))
	}
	w.Flush()
	if r.Error != "" {
		fmt.Fprintf(out, "\nincomplete: %s\n", r.Error)
	}
}

func phaseSummary(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}

// limitedRestart is one more restart of the operator on the filled cluster, under
// another memory limit than the run's or with other flags: whether it settles, in how
// long, and its peak.
type limitedRestart struct {
	LimitMiB     float64 `json:"limitMiB"`
	SoftLimitMiB float64 `json:"softLimitMiB"`
	Args         string  `json:"args,omitempty"`
	// Ended: the process ended on its own (e.g. killed by the kernel at the limit).
	Ended         string  `json:"ended,omitempty"`
	SettledSec    float64 `json:"restartToSettledSec,omitempty"`
	CPUSec        float64 `json:"restartCPUSec,omitempty"`
	ServerCPUSec  float64 `json:"restartServerCPUSec,omitempty"`
	PeakRSSMiB    float64 `json:"peakRSSMiB,omitempty"`
	RSSFileMiB    float64 `json:"rssFileMiB,omitempty"`
	CgroupPeakMiB float64 `json:"cgroupPeakMiB,omitempty"`
	Writes        float64 `json:"writesAfterRestart"`
	// ConsistencyChecks: as scaleResult.RestartConsistencyChecks.
	ConsistencyChecks []string `json:"consistencyChecks"`
}
