// Command bench measures the operator against the machine's own limit: the real
// control plane (kube-apiserver and etcd through envtest, with the project's CRDs,
// admission policies and roles), the operator as its built binary with its own
// service-account identity, the officials approving as themselves, and external-dns
// publishing to BIND 9 for the DNS figures. Each figure stands beside a floor measured
// in the same run: the same objects, and the status their controllers would write,
// written directly by a plain client, or the same DNSEndpoint published without the
// operator.
//
//	go run ./test/bench [-n 100,1000] [-idle 60s] [-scale 1000,10000] [-dns-names 20] [-quick]
//
// It prints a table and writes bench/results.json; docs/benchmarks.md explains the
// figures.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/memlimit"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The operator's identity, as in test/e2e: a service account bound to manager-role.
const operatorUser = "system:serviceaccount:subdomain-operator-system:controller-manager"

var operatorGroups = []string{"system:serviceaccounts", "system:serviceaccounts:subdomain-operator-system", "system:authenticated"}

type options struct {
	N               []int         `json:"n"`
	Idle            time.Duration `json:"idle"`
	Scale           []int         `json:"scale"`
	DNSNames        int           `json:"dnsNames"`
	Quick           bool          `json:"quick"`
	LatencyRequests int           `json:"latencyRequests"`
	Probes          int           `json:"probes"`
	Workers         int           `json:"workers"`
	QPS             int           `json:"kubeAPIQPS"`
	Burst           int           `json:"kubeAPIBurst"`
	ScaleMode       string        `json:"scaleMode"`
	ScaleReadyMax   int           `json:"scaleReadyMax"`
	// APIServerProfile: where to write a 30 s CPU profile of the API server taken
	// during the largest figure-2 batch (empty: none).
	APIServerProfile string `json:"apiServerProfile,omitempty"`
	// HeapProfiles: a directory for the operator's heap profile at each figure-7 size.
	HeapProfiles string `json:"heapProfiles,omitempty"`
	// RestartProfiles: a directory for CPU profiles of the operator and the API
	// server, taken at the same time from each figure-7 restart on, for
	// RestartProfileSeconds.
	RestartProfiles       string `json:"restartProfiles,omitempty"`
	RestartProfileSeconds int    `json:"restartProfileSeconds,omitempty"`
	PolicyOff             bool   `json:"policyOff"`
	// LatencyOnly stops after figure 1; WithoutHardening removes, for the whole run,
	// the bindings of the admission policies the hardening added (issue 10), to show
	// their share of figure 1.
	LatencyOnly      bool   `json:"latencyOnly,omitempty"`
	WithoutHardening bool   `json:"withoutHardening,omitempty"`
	MemoryLimit      string `json:"memoryLimit"`
	FillMemoryLimit  string `json:"fillMemoryLimit,omitempty"`
	RestartMemLimit  string `json:"restartMemoryLimit,omitempty"`
	RestartArgs      string `json:"restartArgs,omitempty"`
	Restarts         int    `json:"restarts,omitempty"`
	Out              string `json:"-"`
	Keep             bool   `json:"-"`
}

func parseFlags() (options, error) {
	var o options
	var n, scale string
	flag.StringVar(&n, "n", "100,1000", "Figure 2/3: batch sizes, requests fully approved at once (comma list).")
	flag.DurationVar(&o.Idle, "idle", 60*time.Second, "Figure 4: idle window after everything is Ready (and after each restart).")
	flag.StringVar(&scale, "scale", "1000,10000", "Figures 5 and 7: total requests in the cluster to measure at (comma list).")
	flag.IntVar(&o.DNSNames, "dns-names", 20, "Figure 6: names published through the operator and, as floor, directly.")
	flag.BoolVar(&o.Quick, "quick", false, "Small sizes for a smoke run (for the size flags not given explicitly).")
	flag.IntVar(&o.LatencyRequests, "latency-requests", 50, "Figure 1: requests approved one at a time on an idle system.")
	flag.IntVar(&o.Probes, "probes", 20, "Figure 5: new requests per kind (taken name, free name) at each size.")
	flag.IntVar(&o.Workers, "workers", 16, "Operator --workers, and the floor's and the benchmark's parallel writers.")
	flag.IntVar(&o.QPS, "kube-api-qps", 1000, "Operator --kube-api-qps.")
	flag.IntVar(&o.Burst, "kube-api-burst", 2000, "Operator --kube-api-burst.")
	flag.StringVar(&o.ScaleMode, "scale-mode", "auto", "Figure 7: requests added to reach a -scale size are 'ready' (approved and provisioned, all of a site's objects each), 'pending' (filed, waiting for the Kepala Dinas), or 'auto': ready when at most -scale-ready-max are added, else pending.")
	flag.StringVar(&o.HeapProfiles, "heap-profiles", "", "Directory for the operator's heap profile (go tool pprof) at each figure-7 size; the measured operators then serve /debug/pprof on a local port.")
	flag.StringVar(&o.RestartProfiles, "restart-profiles", "", "Directory for CPU profiles of the operator and of the API server, both taken from the start of each figure-7 restart for -restart-profile-seconds (go tool pprof); the measured operators then serve /debug/pprof on a local port.")
	flag.IntVar(&o.RestartProfileSeconds, "restart-profile-seconds", 60, "Length of the -restart-profiles profiles.")
	flag.StringVar(&o.APIServerProfile, "apiserver-profile", "", "Write a CPU profile of the API server over the largest figure-2 batch, from the first approval sent to the last request Ready, to this file, and ones over its floors to the same name with .floor (the floor with the procedure) and .objects-floor before the extension (go tool pprof).")
	flag.IntVar(&o.ScaleReadyMax, "scale-ready-max", 2000, "With -scale-mode=auto, the most requests added as ready at one size.")
	flag.BoolVar(&o.PolicyOff, "policy-off", false, "Figure 2: also run the pairs with the host-hijacking policy's binding removed.")
	flag.BoolVar(&o.LatencyOnly, "latency-only", false, "Stop after figure 1.")
	flag.BoolVar(&o.WithoutHardening, "without-hardening", false, "Remove the bindings of the hardening's admission policies (operator-confinement, ingress-hosts, dnsendpoint-hosts, subdomainrequest-metadata, subdomainrequest-form) for the whole run: their share of the figures.")
	flag.StringVar(&o.MemoryLimit, "memory-limit", "manifest", "Each operator process runs in a memory cgroup with this limit, as in its container ('manifest': config/manager/manager.yaml's; 'none': unconfined). Where no cgroup can be made, GOMEMLIMIT is set to what the operator would derive from it instead.")
	flag.StringVar(&o.FillMemoryLimit, "fill-memory-limit", "", "The memory limit of the operators that add requests for figure 7 (a burst of approvals, not a figure; empty: -memory-limit).")
	flag.StringVar(&o.RestartMemLimit, "restart-memory-limit", "", "Figure 7: at the largest size, after the measured restart, restart the operator once more in a memory cgroup of this limit (e.g. 160Mi) and report whether it settles, in how long and its peak RSS.")
	flag.IntVar(&o.Restarts, "restarts", 0, "Figure 7: at the largest size, after the measured restart, restart the operator this many times more, as it (same limit and flags), and report each and their median.")
	flag.StringVar(&o.RestartArgs, "restart-args", "", "Figure 7: at the largest size, after the measured restart, restart the operator once more with these flags added (space-separated, e.g. --kube-api-compression) and report it beside the measured one.")
	flag.StringVar(&o.Out, "out", filepath.Join(testenv.RepoRoot(), "bench", "results.json"), "Where to write the results.")
	flag.BoolVar(&o.Keep, "keep", false, "Keep the work directory (logs of every process) even on success.")
	flag.Parse()
	if o.Quick {
		// Small sizes, unless a flag was given explicitly.
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		quick := map[string]func(){
			"n": func() { n = "20,60" }, "scale": func() { scale = "150,400" }, "idle": func() { o.Idle = 10 * time.Second },
			"dns-names": func() { o.DNSNames = 3 }, "latency-requests": func() { o.LatencyRequests = 5 }, "probes": func() { o.Probes = 5 },
		}
		for name, apply := range quick {
			if !set[name] {
				apply()
			}
		}
	}
	var err error
	if o.N, err = intList(n); err != nil {
		return o, fmt.Errorf("-n: %w", err)
	}
	if o.Scale, err = intList(scale); err != nil {
		return o, fmt.Errorf("-scale: %w", err)
	}
	if o.ScaleMode != "ready" && o.ScaleMode != "pending" && o.ScaleMode != "auto" {
		return o, fmt.Errorf("-scale-mode must be ready, pending or auto")
	}
	return o, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

func main() {
	o, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The benchmark's own watches use controller-runtime; their logs are not wanted.
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b := &bench{o: o}
	b.res.Options = o
	b.res.StartedAt = time.Now()
	err = b.run(ctx)
	b.cleanup()
	b.res.FinishedAt = time.Now()
	b.res.DurationSec = round(b.res.FinishedAt.Sub(b.res.StartedAt).Seconds(), 1)
	b.res.Machine.LoadAvgEnd = loadAvg()
	if err != nil {
		b.res.Error = err.Error()
	}
	b.evaluateTargets()
	b.printTable(os.Stdout)
	if werr := b.writeResults(); werr != nil {
		fmt.Fprintln(os.Stderr, "writing results:", werr)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench failed:", err)
		if b.workDir != "" {
			fmt.Fprintln(os.Stderr, "logs kept in", b.workDir)
		}
		os.Exit(1)
	}
	if b.workDir != "" {
		if o.Keep {
			fmt.Fprintln(os.Stderr, "logs kept in", b.workDir)
		} else {
			_ = os.RemoveAll(b.workDir)
		}
	}
}

// bench is one run.
type bench struct {
	o        options
	res      Results
	workDir  string
	cleanups []func()

	env        *testenv.Env
	admin      client.Client
	adminHTTP  *http.Client
	applicant  client.Client
	kepalaDin  client.Client
	kepalaBid  client.Client
	kepalaSek  client.Client
	floor      client.Client // the operator's identity, no client rate limit
	tr         *tracker
	managerBin string
	mem        memoryCgroup // the operator processes' memory limit
	fillMem    memoryCgroup // the one of the operators that fill the cluster for figure 7
	limitMem   memoryCgroup // -restart-memory-limit's
	operatorKC string
	adminKC    string
	cfgDNS     string
	cfgNoDNS   string
	platform   config.Config

	// site is what the operator makes per site in this configuration; standIn writes
	// the status the environment's controllers would write on it.
	site    siteShape
	standIn *standIn

	bind *harness.BIND
	edns *harness.Process
	op   *operatorProcess

	// settledAt is when the quiet stretch that ended the last settle began.
	settledAt time.Time

	takenSubdomain string
}

func (b *bench) onCleanup(f func()) { b.cleanups = append(b.cleanups, f) }

func (b *bench) cleanup() {
	for i := len(b.cleanups) - 1; i >= 0; i-- {
		b.cleanups[i]()
	}
	b.cleanups = nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

func (b *bench) run(ctx context.Context) error {
	var err error
	if b.workDir, err = os.MkdirTemp("", "kudus-bench-"); err != nil {
		return err
	}
	b.res.Machine = describeMachine()
	if err := b.setup(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if b.o.WithoutHardening {
		if err := b.dropHardening(ctx); err != nil {
			return fmt.Errorf("removing the hardening policies' bindings: %w", err)
		}
	}

	// Phase A: the operator as a user runs it, verifying DNS with BIND.
	logf("phase A: BIND, external-dns and the operator with DNS verification")
	if err := b.startDNS(ctx); err != nil {
		return err
	}
	if err := b.warmDNS(ctx); err != nil {
		return fmt.Errorf("waiting for external-dns to publish to BIND: %w", err)
	}
	if err := b.startOperator(ctx, "dns", true); err != nil {
		return err
	}
	if err := b.figureLatency(ctx); err != nil {
		return fmt.Errorf("figure 1: %w", err)
	}
	if b.o.LatencyOnly {
		b.stopOperator()
		b.stopDNS()
		return nil
	}
	if err := b.figureDNS(ctx); err != nil {
		return fmt.Errorf("figure 6: %w", err)
	}
	b.stopOperator()
	b.stopDNS()

	// Phase B: no DNS verification, so that external-dns's cadence does not dominate.
	logf("phase B: the operator without DNS verification")
	if err := b.startOperator(ctx, "nodns", false); err != nil {
		return err
	}
	if _, err := b.topUp(ctx, 100, "pending"); err != nil {
		return fmt.Errorf("figure 5 at 100: %w", err)
	}
	if err := b.figureAvailability(ctx); err != nil {
		return fmt.Errorf("figure 5 at 100: %w", err)
	}
	// Figures 2 and 3 as installed: the floor right before the operator's batch (the
	// machine is shared, so the two run back to back). The operator runs during the
	// floor but has nothing to do: the floor's objects carry no request label.
	if err := b.throughputPairs(ctx, true); err != nil {
		return err
	}
	if err := b.figureIdle(ctx); err != nil {
		return fmt.Errorf("figure 4: %w", err)
	}
	b.stopOperator()
	measured := map[int]bool{}
	total, _ := b.tr.census()
	for _, size := range b.o.Scale {
		if size <= total {
			if err := b.figureScale(ctx, size); err != nil {
				return fmt.Errorf("figure 7 at %d: %w", size, err)
			}
			measured[size] = true
		}
	}
	// Optionally the same pairs with the host-hijacking admission policy's binding
	// removed (in this control plane only, restored right after), to show that
	// policy's share.
	if b.o.PolicyOff {
		if err := b.startOperator(ctx, "nodns-nopolicy", false); err != nil {
			return err
		}
		if err := b.setHijackPolicy(ctx, false); err != nil {
			return err
		}
		if err := b.throughputPairs(ctx, false); err != nil {
			return err
		}
		if err := b.setHijackPolicy(ctx, true); err != nil {
			return err
		}
		b.stopOperator()
	}

	// Figures 7 and 5 at the larger sizes: fill the cluster up, restart the operator on
	// it (a full resync) and measure its memory and CPU, then ask it for names.
	for _, size := range b.o.Scale {
		if !measured[size] {
			if err := b.figureScale(ctx, size); err != nil {
				return fmt.Errorf("figure 7 at %d: %w", size, err)
			}
		}
	}
	// What one grant costs to record as a granted-hosts map grows: one map per shard at
	// 1,000, 10,000 and 32,000 sites (32 shards), and what a single map for 3,000 sites
	// cost (the design the shards replaced).
	logf("grants map writes")
	sizes := []int{32, 313, 1000, 3000}
	if b.res.GrantMap, err = b.grantMapWrites(ctx, sizes); err != nil {
		return fmt.Errorf("grants map writes: %w", err)
	}
	return nil
}

// setup starts the control plane, the people, the operator's identity and the
// benchmark's own watch, and builds the operator.
// throughputPairs runs, for each -n, the floor and then the operator's batch.
func (b *bench) throughputPairs(ctx context.Context, policy bool) error {
	tag, prefix := "b", "t"
	if !policy {
		tag, prefix = "p", "u"
	}
	pending, err := b.pendingStatus(ctx)
	if err != nil {
		return fmt.Errorf("figure 2: the status of a request waiting for the Kepala Seksi: %w", err)
	}
	for _, n := range b.o.N {
		// The floor with the procedure's own writes runs with the operator stopped
		// (it would provision those requests), then the objects-only floor with the
		// operator running and idle, as before, then the operator's batch.
		label, _, _ := strings.Cut(b.op.label, "-after-floor")
		b.stopOperator()
		proc, err := b.procedureFloorRun(ctx, n, fmt.Sprintf("%sp%d", tag, n), pending)
		if err != nil {
			return fmt.Errorf("figure 2 floor with the procedure N=%d (host-hijacking policy %v): %w", n, policy, err)
		}
		// Each window starts with as many Services in the cluster as the first.
		if err := b.removeFloorServices(ctx, n, tag+"p"); err != nil {
			return err
		}
		if err := b.startOperator(ctx, fmt.Sprintf("%s-after-floor-%d", label, n), false); err != nil {
			return err
		}
		floor, err := b.floorRun(ctx, n, fmt.Sprintf("%s%d", tag, n))
		if err != nil {
			return fmt.Errorf("figure 2 floor N=%d (host-hijacking policy %v): %w", n, policy, err)
		}
		if err := b.removeFloorServices(ctx, n, tag); err != nil {
			return err
		}
		if err := b.figureThroughput(ctx, n, floor, &proc, fmt.Sprintf("%s%d", prefix, n), policy); err != nil {
			return fmt.Errorf("figures 2 and 3 N=%d (host-hijacking policy %v): %w", n, policy, err)
		}
		if err := b.removeFloorHosts(ctx, n, tag, tag+"p"); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) setup(ctx context.Context) error {
	root := testenv.RepoRoot()
	logf("building the operator binary")
	b.managerBin = filepath.Join(b.workDir, "manager")
	// Built as the image builds it (Dockerfile): static, without symbols.
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", b.managerBin, ".")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	b.res.Machine.OperatorCommit, b.res.Machine.OperatorDirtyFiles = gitState(root)
	var err error
	if b.mem, err = newMemoryCgroup(b.o.MemoryLimit); err != nil {
		return err
	}
	b.fillMem = b.mem
	if b.o.FillMemoryLimit != "" {
		if b.fillMem, err = newMemoryCgroup(b.o.FillMemoryLimit); err != nil {
			return err
		}
		logf("the operators that fill the cluster for figure 7 run with a memory limit of %.0f MiB", float64(b.fillMem.limit)/(1<<20))
	}
	if b.o.RestartMemLimit != "" {
		if b.limitMem, err = newMemoryCgroup(b.o.RestartMemLimit); err != nil {
			return err
		}
	}
	b.res.Setup.MemoryLimitMiB, b.res.Setup.MemoryLimitEnforced = round(float64(b.mem.limit)/(1<<20), 0), b.mem.enforced()
	switch {
	case b.mem.enforced():
		logf("each operator process runs in a memory cgroup limited to %.0f MiB (under %s)", b.res.Setup.MemoryLimitMiB, b.mem.parent)
	case b.mem.limit > 0:
		logf("no memory cgroup can be made here: the operator runs unconfined, with GOMEMLIMIT %d MiB for a limit of %.0f MiB", memlimit.Soft(b.mem.limit)>>20, b.res.Setup.MemoryLimitMiB)
	}
	// Keep the source the binary was built from beside the logs: the figures refer to it.
	for _, dir := range []string{"controllers", "config", "internal"} {
		if err := os.CopyFS(filepath.Join(b.workDir, "source", dir), os.DirFS(filepath.Join(root, dir))); err != nil {
			logf("copying %s: %v", dir, err)
		}
	}

	logf("starting the control plane")
	env, err := testenv.Start(ctx)
	if err != nil {
		return err
	}
	b.env, b.admin = env, env.Client
	b.onCleanup(func() {
		if err := env.Stop(); err != nil {
			logf("stopping the control plane: %v", err)
		}
	})
	adminCfg := rest.CopyConfig(env.Config)
	adminCfg.QPS = -1
	if b.admin, err = client.New(adminCfg, client.Options{Scheme: testenv.Scheme}); err != nil {
		return err
	}
	if b.adminHTTP, err = rest.HTTPClientFor(env.Config); err != nil {
		return err
	}
	if dc, err := discovery.NewDiscoveryClientForConfig(env.Config); err == nil {
		if v, err := dc.ServerVersion(); err == nil {
			b.res.Machine.KubeAPIServer = v.GitVersion
		}
	}

	for role, group := range map[string]string{
		"subdomain-kepala-dinas":               "diskominfo:kepala-dinas",
		"subdomain-kepala-bidang-informatika":  "diskominfo:kepala-bidang-informatika",
		"subdomain-kepala-seksi-ti-persandian": "diskominfo:kepala-seksi-ti-persandian",
		"subdomain-applicant":                  "opd:applicants",
	} {
		if err := env.BindGroup(ctx, role, group); err != nil {
			return err
		}
	}
	if err := env.ApplyFile(ctx, filepath.Join(root, "config/rbac/role.yaml")); err != nil {
		return err
	}
	if err := env.BindGroup(ctx, "manager-role", "system:serviceaccounts:subdomain-operator-system"); err != nil {
		return err
	}
	// Each person gets their own client, without a client-side rate limit so that the
	// benchmark's parallel writers are limited only by the API server.
	user := func(name string, groups ...string) (client.Client, error) {
		_, cfg, err := env.User(name, groups...)
		if err != nil {
			return nil, err
		}
		cfg = rest.CopyConfig(cfg)
		cfg.QPS = -1
		return client.New(cfg, client.Options{Scheme: testenv.Scheme})
	}
	if b.applicant, err = user("pemohon-dinkes", "opd:applicants"); err != nil {
		return err
	}
	if b.kepalaDin, err = user("budi", "diskominfo:kepala-dinas"); err != nil {
		return err
	}
	if b.kepalaBid, err = user("agus", "diskominfo:kepala-bidang-informatika"); err != nil {
		return err
	}
	if b.kepalaSek, err = user("dewi", "diskominfo:kepala-seksi-ti-persandian"); err != nil {
		return err
	}
	if b.floor, err = user(operatorUser, operatorGroups...); err != nil {
		return err
	}
	kc, err := env.Kubeconfig(operatorUser, operatorGroups...)
	if err != nil {
		return err
	}
	b.operatorKC = filepath.Join(b.workDir, "operator.kubeconfig")
	if err := os.WriteFile(b.operatorKC, kc, 0o600); err != nil {
		return err
	}
	if kc, err = env.Kubeconfig("admin", "system:masters"); err != nil {
		return err
	}
	b.adminKC = filepath.Join(b.workDir, "admin.kubeconfig")
	if err := os.WriteFile(b.adminKC, kc, 0o600); err != nil {
		return err
	}
	if err := b.installFlowSchemas(ctx); err != nil {
		return err
	}

	b.cfgNoDNS = filepath.Join(b.workDir, "operator-nodns.yaml")
	if err := os.WriteFile(b.cfgNoDNS, []byte(operatorConfig("")), 0o644); err != nil {
		return err
	}
	if b.platform, err = config.Load(b.cfgNoDNS); err != nil {
		return err
	}
	if err := env.ApplyPolicySettings(ctx, b.platform); err != nil {
		return err
	}
	// The shared Gateway's namespace, which the sites' NetworkPolicies admit traffic
	// from and their HTTPRoutes and ListenerSets name, exists as on a real platform.
	if b.platform.Routing == config.RoutingGateway {
		gwNS := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.platform.Gateway.Namespace}}
		if err := b.admin.Create(ctx, gwNS); client.IgnoreAlreadyExists(err) != nil {
			return err
		}
	}
	marker := &harness.StandIn{NamespacePrefix: b.platform.NamespacePrefix, Address: targetIP}
	if b.site, err = newSiteShape(b.platform, marker); err != nil {
		return err
	}
	b.res.Setup.ObjectsPerSite = b.site.objectsPerSite()
	for _, k := range b.site.kinds {
		b.res.Setup.SiteKinds = append(b.res.Setup.SiteKinds, k.Kind)
	}
	for _, k := range b.site.served {
		b.res.Setup.StoodIn = append(b.res.Setup.StoodIn, k.Kind)
	}
	trackerCfg := rest.CopyConfig(env.Config)
	trackerCfg.QPS = -1
	trackerCtx, cancel := context.WithCancel(context.Background())
	b.onCleanup(cancel)
	if b.tr, err = startTracker(trackerCtx, trackerCfg, b.site); err != nil {
		return fmt.Errorf("starting the benchmark's watch: %w", err)
	}
	// The stand-in for the environment's controllers runs, under its own identity,
	// from here to the end: it has work only while the operator provisions sites.
	if err := env.ApplyYAML(ctx, []byte(standInRBAC)); err != nil {
		return err
	}
	if err := env.BindGroup(ctx, standInRole, standInGroup); err != nil {
		return err
	}
	_, standInCfg, err := env.User(standInUser, standInGroups...)
	if err != nil {
		return err
	}
	standInCfg = rest.CopyConfig(standInCfg)
	standInCfg.QPS = -1
	standInClient, err := client.New(standInCfg, client.Options{Scheme: testenv.Scheme})
	if err != nil {
		return err
	}
	if b.standIn, err = startStandIn(trackerCtx, standInCfg, standInClient, marker, b.site.served, b.o.Workers); err != nil {
		return fmt.Errorf("starting the stand-in: %w", err)
	}
	logf("a site is %d objects (%s); the stand-in writes the status of %v", b.site.objectsPerSite(),
		strings.Join(b.res.Setup.SiteKinds, ", "), b.res.Setup.StoodIn)
	b.res.Setup.OperatorArgs = b.operatorArgs("<config>", "127.0.0.1:<port>")
	return nil
}

func (b *bench) startDNS(ctx context.Context) error {
	var err error
	if b.bind, err = harness.StartBIND(ctx, filepath.Join(b.workDir, "bind"), zone, nil); err != nil {
		return fmt.Errorf("starting BIND: %w", err)
	}
	bind := b.bind
	b.onCleanup(bind.Stop)
	if b.edns, err = harness.StartExternalDNS(ctx, testenv.RepoRoot(), b.workDir, b.adminKC, b.bind); err != nil {
		return fmt.Errorf("starting external-dns: %w", err)
	}
	edns := b.edns
	b.onCleanup(edns.Stop)
	b.cfgDNS = filepath.Join(b.workDir, "operator-dns.yaml")
	return os.WriteFile(b.cfgDNS, []byte(operatorConfig(b.bind.Addr)), 0o644)
}

func (b *bench) stopDNS() {
	b.edns.Stop()
	b.bind.Stop()
}

// operatorProcess is one run of the operator binary.
type operatorProcess struct {
	*harness.Process
	label   string
	started time.Time
	metrics string
	pprof   string // base URL of /debug/pprof, when -heap-profiles is given
	// cgroupDone removes the process's memory cgroup once it ended and returns the
	// cgroup's peak usage (0: none); cgroupPeak keeps it.
	cgroupDone func() int64
	cgroupPeak int64
	stopped    bool
}

func (b *bench) operatorArgs(cfgPath, metricsAddr string) []string {
	return []string{"--config=" + cfgPath, "--kubeconfig=" + b.operatorKC,
		"--workers=" + strconv.Itoa(b.o.Workers),
		"--kube-api-qps=" + strconv.Itoa(b.o.QPS), "--kube-api-burst=" + strconv.Itoa(b.o.Burst),
		"--metrics-bind-address=" + metricsAddr, "--metrics-secure=false", "--health-probe-bind-address=0"}
}

// startOperator runs the built binary and waits until its controller's workers run
// (its caches are synced).
func (b *bench) startOperator(ctx context.Context, label string, withDNS bool) error {
	port, err := harness.FreePort()
	if err != nil {
		return err
	}
	cfg := b.cfgNoDNS
	if withDNS {
		cfg = b.cfgDNS
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := b.operatorArgs(cfg, addr)
	pprofURL := ""
	if b.o.HeapProfiles != "" || b.o.RestartProfiles != "" {
		pport, err := harness.FreePort()
		if err != nil {
			return err
		}
		args = append(args, fmt.Sprintf("--pprof-bind-address=127.0.0.1:%d", pport))
		pprofURL = fmt.Sprintf("http://127.0.0.1:%d/debug/pprof", pport)
	}
	if strings.HasPrefix(label, "scale-") || strings.HasPrefix(label, "again-") || strings.HasPrefix(label, "limited-") || strings.HasPrefix(label, "flags-") {
		// The restarted operators log each status write with its patch (V(1)): a
		// write after a restart is then told by its request and content.
		args = append(args, "--zap-log-level=1")
	}
	if strings.HasPrefix(label, "flags-") {
		args = append(args, strings.Fields(b.o.RestartArgs)...)
	}
	mem := b.mem
	switch {
	case strings.HasPrefix(label, "fill-"):
		mem = b.fillMem
	case strings.HasPrefix(label, "limited-"):
		mem = b.limitMem
	}
	bin, args, env, cgroupDone, err := mem.wrap(label, b.managerBin, args)
	if err != nil {
		return fmt.Errorf("the operator's memory cgroup: %w", err)
	}
	p, err := harness.Start(b.workDir, "operator-"+label, bin, args, env...)
	if err != nil {
		return err
	}
	op := &operatorProcess{Process: p, label: label, started: time.Now(), metrics: "http://" + addr + "/metrics", pprof: pprofURL, cgroupDone: cgroupDone}
	b.op = op
	b.onCleanup(func() { p.Stop(); op.cgroupDone() })
	if b.o.RestartProfiles != "" && strings.HasPrefix(label, "scale-") {
		go b.restartProfiles(ctx, label, pprofURL)
	}
	err = harness.WaitFor(ctx, p, 10*time.Minute, "the operator's workers", func() error {
		if strings.Contains(p.Log(), "Starting workers") {
			return nil
		}
		return fmt.Errorf("not started")
	})
	if err != nil {
		return err
	}
	logf("operator %q running (pid %d) after %.1fs", label, p.Cmd.Process.Pid, time.Since(b.op.started).Seconds())
	return nil
}

func (b *bench) stopOperator() {
	if b.op == nil || b.op.stopped {
		return
	}
	b.op.stopped = true
	if b.op.Exited() {
		// It ended on its own: a crash, or the kernel at the memory limit.
		logf("operator %q had already ended: %v; its log: %s", b.op.label, b.op.Cmd.ProcessState, b.op.LogPath)
	}
	b.op.Stop()
	if peak := b.op.cgroupDone(); peak > 0 {
		b.op.cgroupPeak = peak
	}
}

func (b *bench) opProc() procStats {
	if b.op == nil || b.op.Exited() {
		return procStats{}
	}
	p, _ := readProc(b.op.Cmd.Process.Pid)
	return p
}

// settle waits until the operator made no write and used next to no CPU for quiet,
// and returns the counters then (b.settledAt: when that quiet stretch began, to the
// poll). It is how a measurement window ends: the operator's trailing work (re-queued
// reconciles, late status writes) is counted in the window. It polls every quiet/3,
// 250 ms to 1 s: each poll is a scrape of the API server's /metrics, which at four a
// second cost the API server 4.5 of the 28.9 CPU seconds of a restart at 10,000 sites
// (its CPU profile, docs/benchmarks.md), work no user's cluster does.
func (b *bench) settle(ctx context.Context, quiet, limit time.Duration) (opCounters, []sample, error) {
	every := min(max(quiet/3, 250*time.Millisecond), time.Second)
	type point struct {
		at     time.Time
		writes float64
		cpu    float64
	}
	var history []point
	deadline := time.Now().Add(limit)
	for {
		s, err := b.apiMetrics(ctx)
		if err != nil {
			return opCounters{}, nil, err
		}
		c := countersFrom(s)
		now := point{at: time.Now(), writes: c.Writes(), cpu: b.opProc().CPUSeconds}
		history = append(history, now)
		for _, p := range history {
			if now.at.Sub(p.at) < quiet {
				break
			}
			if p.writes == now.writes && now.cpu-p.cpu <= 0.01+0.03*now.at.Sub(p.at).Seconds() {
				b.settledAt = p.at
				return c, s, nil
			}
		}
		// Keep only the points that can still start a quiet stretch.
		for len(history) > 1 && now.at.Sub(history[1].at) >= quiet {
			history = history[1:]
		}
		if time.Now().After(deadline) {
			logf("warning: the operator did not settle within %s; measuring anyway", limit)
			b.settledAt = now.at
			return c, s, nil
		}
		select {
		case <-ctx.Done():
			return opCounters{}, nil, ctx.Err()
		case <-time.After(every):
		}
	}
}

// scrapeOperator reads the operator's own metrics endpoint (controller-runtime's
// reconcile and workqueue figures, client-go's request figures), summed by the
// labels that matter here.
func (b *bench) scrapeOperator(ctx context.Context) (map[string]float64, time.Duration, error) {
	start := time.Now()
	s, err := scrapeText(ctx, http.DefaultClient, b.op.metrics, "controller_runtime_reconcile_total",
		"controller_runtime_reconcile_time_seconds_sum", "controller_runtime_reconcile_time_seconds_count",
		"workqueue_queue_duration_seconds_sum", "workqueue_queue_duration_seconds_count",
		"rest_client_requests_total", "rest_client_request_duration_seconds_sum", "rest_client_request_duration_seconds_count",
		"rest_client_rate_limiter_duration_seconds_sum", "rest_client_rate_limiter_duration_seconds_count",
		"go_memstats_heap_inuse_bytes", "process_resident_memory_bytes")
	took := time.Since(start)
	if err != nil {
		return nil, took, err
	}
	out := map[string]float64{}
	for _, x := range s {
		key := x.name
		switch {
		case x.name == "controller_runtime_reconcile_total":
			key += "{result=" + x.labels["result"] + "}"
		case x.name == "rest_client_requests_total":
			key += "{method=" + x.labels["method"] + ",code=" + x.labels["code"] + "}"
		case strings.HasPrefix(x.name, "rest_client_request_duration"):
			key += "{verb=" + x.labels["verb"] + "}"
		case strings.HasPrefix(x.name, "workqueue_"):
			if x.labels["name"] != "subdomainrequest" {
				continue
			}
		}
		out[key] += x.value
	}
	return out, took, nil
}

// operatorMeans turns the deltas of the operator's _sum/_count pairs into mean
// milliseconds, and keeps the counters.
func operatorMeans(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		d := v - before[k]
		switch {
		case strings.Contains(k, "_sum"):
			count := after[strings.Replace(k, "_sum", "_count", 1)] - before[strings.Replace(k, "_sum", "_count", 1)]
			if count > 0 {
				out[strings.Replace(k, "_seconds_sum", "_mean_ms", 1)] = round(d/count*1000, 1)
			}
		case strings.Contains(k, "_count"), strings.HasPrefix(k, "go_memstats"), strings.HasPrefix(k, "process_"):
		case d != 0:
			out[k] = d
		}
	}
	return out
}

func describeMachine() machine {
	m := machine{NProc: runtime.NumCPU(), GoVersion: runtime.Version(), LoadAvgStart: loadAvg(),
		ExternalDNS: "v0.21.0 (bin/external-dns)"}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kib, _ := strconv.ParseFloat(f[1], 64)
				m.MemoryGiB = round(kib/1024/1024, 1)
			}
		}
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-sr").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	if bin, err := harness.Binary(testenv.RepoRoot(), "etcd"); err == nil {
		if out, err := exec.Command(bin, "--version").Output(); err == nil {
			m.Etcd = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		}
	}
	if bin, err := harness.Binary("", "named"); err == nil {
		if out, err := exec.Command(bin, "-v").Output(); err == nil {
			m.BIND = strings.TrimSpace(string(out))
		}
	}
	return m
}

func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// gitState reads the commit and the locally changed operator files without writing
// anything to the repository (no index refresh).
func gitState(root string) (string, []string) {
	run := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"--no-optional-locks"}, args...)...)
		cmd.Dir = root
		out, _ := cmd.Output()
		return strings.TrimSpace(string(out))
	}
	var dirty []string
	for _, line := range strings.Split(run("status", "--porcelain", "--", "main.go", "controllers", "internal", "api", "config"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			dirty = append(dirty, line)
		}
	}
	return run("rev-parse", "--short", "HEAD"), dirty
}

func (b *bench) writeResults() error {
	if err := os.MkdirAll(filepath.Dir(b.o.Out), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(b.res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(b.o.Out, append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "results written to", b.o.Out)
	return nil
}
