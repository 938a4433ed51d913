// Command manager runs the Kudus subdomain and hosting operator.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/dnscheck"
	"github.com/kudus-diskominfo/subdomain-operator/internal/memlimit"
	"github.com/kudus-diskominfo/subdomain-operator/internal/metricsauth"
	"github.com/kudus-diskominfo/subdomain-operator/internal/notify"
	"github.com/kudus-diskominfo/subdomain-operator/internal/policysettings"
	"github.com/kudus-diskominfo/subdomain-operator/internal/preflight"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(hostingv1.AddToScheme(scheme))
	utilruntime.Must(externaldnsv1.AddToScheme(scheme))
	utilruntime.Must(gatewayv1.Install(scheme))
}

func main() {
	var (
		configFile, metricsAddr, probeAddr, leaderNamespace, pprofAddr string
		leaderElect, secureMetrics, approvalOnly, printSettings        bool
		workers                                                        int
		qps                                                            float64
		burst                                                          int
	)
	flag.StringVar(&configFile, "config", "", "Platform configuration file (YAML); empty uses the defaults for kuduskab.go.id.")
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint, e.g. :8443; 0 turns it off.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS with authentication and authorization.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the liveness and readiness probes.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "Address of Go's /debug/pprof endpoints, e.g. 127.0.0.1:6060; empty turns them off.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so that only one replica reconciles.")
	flag.StringVar(&leaderNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease (default: the one the manager runs in).")
	flag.BoolVar(&approvalOnly, "approval-only", false, "Run only the approval chain and name check; approved requests stop at phase Approved.")
	flag.BoolVar(&printSettings, "print-policy-settings", false, "Print the admission policies' settings ConfigMap for this configuration (apply it with kubectl) and exit.")
	flag.IntVar(&workers, "workers", 8, "Requests reconciled at the same time.")
	flag.Float64Var(&qps, "kube-api-qps", 200, "Client queries per second to the API server.")
	flag.IntVar(&burst, "kube-api-burst", 400, "Client burst to the API server.")
	// Stack traces only when asked for (--zap-stacktrace-level=error): an error line
	// says what failed in its message, and a trace of controller-runtime's internals
	// would drown it.
	opts := zap.Options{StacktraceLevel: zapcore.PanicLevel}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	setLoggers(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	cfg, err := config.Load(configFile)
	if err != nil {
		log.Error(err, "loading the platform configuration")
		os.Exit(1)
	}

	if printSettings {
		out, err := yaml.Marshal(policysettings.ConfigMap(cfg))
		if err != nil {
			log.Error(err, "rendering the policy settings")
			os.Exit(1)
		}
		fmt.Print(string(out))
		return
	}

	// A soft memory limit below the container's, so that the collector works against
	// the limit rather than the kernel killing the process (GOMEMLIMIT, if given, wins).
	if soft, from, err := memlimit.Set("/sys/fs/cgroup"); err != nil {
		log.Error(err, "reading the container's memory limit; running without a soft memory limit")
	} else if soft > 0 {
		log.Info("soft memory limit", "MiB", soft>>20, "from", from)
	}

	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS, restConfig.Burst = float32(qps), burst
	// A kind the API server does not serve would show only as the cache failing to sync
	// minutes later: say at once what is missing and how to install it, and stop.
	if err := checkKinds(restConfig, cfg); err != nil {
		if preflight.IsMissing(err) {
			log.Error(err, "cannot start: the API server lacks a kind the operator needs")
		} else {
			log.Error(err, "cannot start: the API server's discovery did not answer")
		}
		os.Exit(1)
	}
	metricsOpts := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secureMetrics,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }}}
	if secureMetrics {
		metricsOpts.FilterProvider = metricsauth.Filter
	}
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsOpts,
		HealthProbeBindAddress:  probeAddr,
		LeaderElection:          leaderElect,
		LeaderElectionID:        "subdomain-operator.hosting.kuduskab.go.id",
		LeaderElectionNamespace: leaderNamespace,
		Cache:                   controllers.CacheOptions(cfg, restConfig),
		PprofBindAddress:        pprofAddr,
	})
	if err != nil {
		log.Error(err, "creating the manager")
		os.Exit(1)
	}

	if err := checkPolicySettings(mgr.GetAPIReader(), cfg); err != nil {
		log.Error(err, "the admission policies do not match this configuration")
		os.Exit(1)
	}

	var resolver *dnscheck.Resolver
	if len(cfg.DNS.Servers) > 0 {
		resolver = &dnscheck.Resolver{Servers: cfg.DNS.Servers, Timeout: cfg.DNS.Timeout.Duration}
	}
	var notifiers []notify.Sender
	if smtpCfg := cfg.Notification.SMTP; smtpCfg.Host != "" {
		notifiers = append(notifiers, notify.SMTP{Host: smtpCfg.Host, Port: smtpCfg.Port, From: smtpCfg.From,
			FromName: smtpCfg.FromName, TLS: smtpCfg.TLS, CAFile: smtpCfg.CAFile,
			UsernameFile: smtpCfg.UsernameFile, PasswordFile: smtpCfg.PasswordFile})
	}
	if cfg.Notification.WebhookURL != "" {
		notifiers = append(notifiers, notify.Webhook{URL: cfg.Notification.WebhookURL})
	}
	reconciler := &controllers.SubdomainRequestReconciler{
		Client:       mgr.GetClient(),
		APIReader:    mgr.GetAPIReader(),
		Recorder:     mgr.GetEventRecorder("subdomain-operator"),
		Config:       cfg,
		Provisioning: !approvalOnly,
		DNS:          resolver,
		Notifiers:    notifiers,
	}
	ctx := ctrl.SetupSignalHandler()
	if err := reconciler.SetupWithManager(ctx, mgr, workers); err != nil {
		log.Error(err, "setting up the controller")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "adding the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "adding the readiness check")
		os.Exit(1)
	}
	log.Info("starting", "baseDomain", cfg.BaseDomain, "provisioning", !approvalOnly, "dnsServers", cfg.DNS.Servers,
		"smtp", cfg.Notification.SMTP.Host != "", "webhook", cfg.Notification.WebhookURL != "")
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "running the manager")
		os.Exit(1)
	}
}

// setLoggers makes logger the one log of the process: controller-runtime's and
// client-go's, which logs through klog (reflectors, leader election, events), so that
// no line of klog's own format appears among the structured ones.
func setLoggers(logger logr.Logger) {
	ctrl.SetLogger(logger)
	klog.SetLogger(logger)
}

// checkKinds checks through discovery that the API server serves the kinds the
// configuration needs (SubdomainRequest, DNSEndpoint, and per routing and TLS the
// Gateway API's and cert-manager's).
func checkKinds(restConfig *rest.Config, cfg config.Config) error {
	d, err := discovery.NewDiscoveryClientForConfig(restConfig)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return preflight.Check(ctx, d, preflight.For(cfg.Routing == config.RoutingGateway, cfg.TLS()))
}

// checkPolicySettings refuses to run when the admission policies' settings disagree
// with the configuration: the policies would then refuse what the operator provisions
// (or allow what it should not), and the operator cannot fix that itself, since it
// may not write what confines it.
func checkPolicySettings(reader client.Reader, cfg config.Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cm := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: cfg.GrantedHosts.Namespace, Name: policysettings.Name}
	if err := reader.Get(ctx, key, cm); err != nil {
		return fmt.Errorf("reading ConfigMap %s (install config/policies first): %w", key, err)
	}
	if diff := policysettings.Differences(cfg, cm.Data); len(diff) > 0 {
		return fmt.Errorf("ConfigMap %s disagrees with the configuration; update it (manager --config <file> --print-policy-settings | kubectl apply -f -) or the configuration:\n  %s",
			key, strings.Join(diff, "\n  "))
	}
	return nil
}
