// Command demo runs the whole procedure on an embedded local control plane: the pinned
// etcd and kube-apiserver, BIND 9 for the base domain, external-dns, mailpit as the
// SMTP server and the operator. It files the sample request, has the three officials
// approve it in order, shows the request not Ready while nothing serves the site,
// then has a stand-in write the status a kubelet, a Gateway controller and
// cert-manager would write (the embedded control plane has none of them, and the demo
// says so), and shows the request Ready, the timeline, the DNS answer and the
// applicant's mail. It also runs the portal (cmd/portal) with a local OpenID Connect
// provider (internal/oidctest) that the API server trusts, logs the auditor in
// through it as a browser would, and prints the portal's URL and the demo's logins.
// It keeps everything running until Ctrl-C (or exits at once with -once).
//
// Run it with `make demo` (or `make demo ONCE=1`), which builds what it needs first.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	zone     = "kuduskab.go.id"
	targetIP = "192.0.2.10"
	request  = "dinkes"
	issuer   = "kudus-ca"
)

// conditionsPath prints a request's conditions one a line: type=status reason: message.
const conditionsPath = `{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}{"\n"}{end}`

func main() {
	once := flag.Bool("once", os.Getenv("ONCE") != "" && os.Getenv("ONCE") != "0", "Run the procedure, print the results and exit (also ONCE=1).")
	dir := flag.String("dir", ".demo", "Folder for kubeconfigs, configuration and logs.")
	flag.Parse()
	if err := run(*dir, *once); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

// stack is everything the demo started, stopped in reverse order.
type stack struct {
	env       *testenv.Env
	provider  *oidctest.Provider
	processes []*harness.Process
}

func (s *stack) stop() {
	for i := len(s.processes) - 1; i >= 0; i-- {
		s.processes[i].Stop()
	}
	if s.provider != nil {
		_ = s.provider.Close()
	}
	if s.env != nil {
		_ = s.env.Stop()
	}
}

func run(dir string, once bool) error {
	root := testenv.RepoRoot()
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	st := &stack{}
	defer st.stop()
	kubectlBin := filepath.Join(root, "bin", "k8s", "kubectl")
	plugin := filepath.Join(root, "bin", "kubectl-subdomain")
	manager := filepath.Join(root, "bin", "manager")
	portalBin := filepath.Join(root, "bin", "portal")
	for _, b := range []string{kubectlBin, plugin, manager, portalBin} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%s is missing: run 'make demo', which builds it", b)
		}
	}

	// The portal's address comes first: its callback is the redirect URL the provider
	// registers, and the API server trusts the provider from its start.
	step("Starting the demo's OpenID Connect provider (internal/oidctest) for the portal's logins")
	portalPort, err := harness.FreePort()
	if err != nil {
		return err
	}
	portal := newDemoPortal(dir, portalPort)
	if st.provider, err = oidctest.Start(oidctest.Options{Users: oidctest.CastUsers(),
		Clients: []oidctest.Client{{ID: portalClientID, RedirectURLs: []string{portal.url + "/auth/callback"}}}}); err != nil {
		return err
	}
	portal.provider = st.provider
	if err := os.WriteFile(portal.caFile, st.provider.CAPEM, 0o644); err != nil {
		return err
	}
	authConfig, err := testenv.WriteJWTAuthenticationConfig(dir, st.provider.Issuer, st.provider.CAPEM, portalClientID)
	if err != nil {
		return err
	}
	fmt.Printf("OpenID Connect provider: %s (its CA: %s)\n", st.provider.Issuer, portal.caFile)

	step("Starting the embedded control plane (etcd v3.6.16, kube-apiserver v1.37.2) with the CRD, policies and roles,\n    the Gateway API's and cert-manager's CRDs")
	st.env, err = testenv.StartWith(ctx, testenv.Options{AuthenticationConfig: authConfig})
	if err != nil {
		return err
	}
	env := st.env
	for _, f := range []string{"config/officials/example-bindings.yaml", "config/rbac/role.yaml"} {
		if err := env.ApplyFile(ctx, filepath.Join(root, f)); err != nil {
			return err
		}
	}
	if err := env.BindGroup(ctx, "manager-role", "system:serviceaccounts:subdomain-operator-system"); err != nil {
		return err
	}
	// The shared Gateway's namespace (the default gateway.namespace), which the
	// sites' NetworkPolicies admit traffic from.
	defaults := config.Default()
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: defaults.Gateway.Namespace}}); err != nil {
		return err
	}
	kubeconfigs, err := env.WriteKubeconfigs(dir, testenv.People(testenv.OperatorUser))
	if err != nil {
		return err
	}

	// Right after the control plane, so that the port chosen for it is taken before
	// anything else picks a free one.
	step("Starting the portal (bin/portal): every page asks the API server with the logged-in person's own ID token")
	if err := portal.start(ctx, st, portalBin, env); err != nil {
		return err
	}
	fmt.Printf("Portal: %s/\n", portal.url)

	step("Starting BIND 9 for " + zone + ", external-dns v0.21.0 and mailpit")
	bind, err := harness.StartBIND(ctx, filepath.Join(dir, "bind"), zone, []string{"www IN A 192.0.2.1"})
	if err != nil {
		return err
	}
	st.processes = append(st.processes, bind.Process)
	edns, err := harness.StartExternalDNS(ctx, root, dir, kubeconfigs["admin"], bind)
	if err != nil {
		return err
	}
	st.processes = append(st.processes, edns)
	mail, err := harness.StartMailpit(ctx, root, dir, 0)
	if err != nil {
		return err
	}
	st.processes = append(st.processes, mail.Process)

	step("Starting the operator")
	// The routing is the default's: an HTTPRoute on the shared Gateway
	// gateway-system/sites and, since a ClusterIssuer is set, a ListenerSet with the
	// site's HTTPS listener and a cert-manager Certificate. The demo's mailpit is a
	// local test server without TLS, so the operator sends to it in clear text (tls:
	// none); a real mail server needs starttls or implicit, as the end-to-end tests use.
	cfg := filepath.Join(dir, "operator.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`baseDomain: %s
ingressTarget:
  ips: [%s]
clusterIssuer: %s
recordTTL: 60
dns:
  servers: ["%s"]
notification:
  smtp: {host: 127.0.0.1, port: %d, tls: none, from: diskominfo@kuduskab.go.id}
`, zone, targetIP, issuer, bind.Addr, mail.SMTPPort)), 0o644); err != nil {
		return err
	}
	// What the admission policies must know of this configuration (its ingress target).
	if err := st.env.ApplyPolicySettingsFor(ctx, cfg); err != nil {
		return err
	}
	metricsPort, err := harness.FreePort()
	if err != nil {
		return err
	}
	// Plain HTTP on the loopback for the demo; in a cluster the endpoint is HTTPS with
	// authentication (config/rbac/metrics_service.yaml, config/prometheus).
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)
	operator, err := harness.Start(dir, "operator", manager, []string{"--config=" + cfg, "--kubeconfig=" + kubeconfigs[testenv.OperatorUser],
		"--health-probe-bind-address=0", fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), "--metrics-secure=false"})
	if err != nil {
		return err
	}
	st.processes = append(st.processes, operator)
	if err := harness.WaitFor(ctx, operator, time.Minute, "the operator's metrics endpoint", func() error {
		_, err := metricSamples(ctx, metricsURL)
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("Metrics: %s\n", metricsURL)

	as := func(user string, name string, args ...string) (string, error) {
		bin := kubectlBin
		if name == "plugin" {
			bin = plugin
		}
		cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kubeconfigs[user]}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	show := func(who, cmd string, out string) {
		fmt.Printf("\n$ %s   # as %s\n%s", cmd, who, out)
	}

	step("The applicant (Pemohon) files the sample request")
	out, err := as("pemohon-dinkes", "kubectl", "apply", "-f", "config/samples/hosting_v1alpha1_subdomainrequest.yaml")
	show("pemohon-dinkes", "kubectl apply -f config/samples/hosting_v1alpha1_subdomainrequest.yaml", out)
	if err != nil {
		return err
	}
	if err := waitPhase(ctx, env.Client, hostingv1.PhasePendingKepalaDinas, 60*time.Second); err != nil {
		return err
	}

	step("The three officials approve in the SOP's order, each as themselves")
	for _, official := range []string{"budi", "agus", "dewi"} {
		out, err := as(official, "plugin", "approve", request)
		show(official, "kubectl subdomain approve "+request, out)
		if err != nil {
			return fmt.Errorf("approval by %s: %w", official, err)
		}
		if err := waitApprovalSeen(ctx, env.Client, official); err != nil {
			return err
		}
	}
	conditions := func() {
		out, _ := as("admin", "kubectl", "get", "sdr", request, "-o", "jsonpath="+conditionsPath)
		show("admin", "kubectl get sdr "+request+" -o jsonpath='"+conditionsPath+"'", out)
	}

	step("Provisioned, but not serving yet: nothing runs the site, accepts its route or issues its certificate")
	if err := waitNotServing(ctx, env.Client); err != nil {
		return fmt.Errorf("%w\n%s", err, lastLines(operator.Log(), 20))
	}
	out, _ = as("admin", "kubectl", "get", "sdr", "-o", "wide")
	show("admin", "kubectl get sdr -o wide", out)
	conditions()
	early, err := mail.Messages(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("\n# The applicant's inbox (mailpit, http://127.0.0.1:%d): %d messages: no mail until the site serves\n", mail.HTTPPort, len(early))
	if !pause(ctx, 3*time.Second) {
		return ctx.Err()
	}

	step("A stand-in for the controllers a real cluster runs")
	fmt.Print(`
    This demo has no kubelet, no Gateway controller and no cert-manager.
    A stand-in now writes the status they would write: Deployment web Available,
    the HTTPRoute web accepted by the Gateway, the Certificate web-tls Ready.
    In a real cluster those controllers do it; here it is stood in for, not verified
    (internal/harness/standin.go).
`)
	ns := defaults.NamespacePrefix + request
	standIn := &harness.StandIn{Client: env.Client, NamespacePrefix: defaults.NamespacePrefix, Address: targetIP}
	for _, part := range []struct{ kind, object, writes, condition string }{
		{"Deployment", "Deployment " + ns + "/web", "Available=True, 1/1 replicas (as the Deployment controller would)", hostingv1.ConditionSiteAvailable},
		{"HTTPRoute", "HTTPRoute " + ns + "/web", "Accepted=True, ResolvedRefs=True for each parent (as a Gateway controller would)", hostingv1.ConditionRouteAccepted},
		{"Certificate", "Certificate " + ns + "/web-tls", "Ready=True (as cert-manager would)", hostingv1.ConditionCertificateReady},
	} {
		if err := standIn.Serve(ctx, ns, part.kind); err != nil {
			return fmt.Errorf("the stand-in for %s: %w", part.kind, err)
		}
		fmt.Printf("\nstand-in: %s: %s\n", part.object, part.writes)
		c, err := waitCondition(ctx, env.Client, part.condition)
		if err != nil {
			return fmt.Errorf("%w\n%s", err, lastLines(operator.Log(), 20))
		}
		fmt.Printf("operator: %s=%s %s: %s\n", c.Type, c.Status, c.Reason, c.Message)
	}
	// From now on the stand-in serves every site, so that a request filed while the
	// demo runs becomes Ready too.
	// It ends before the control plane stops (deferred calls run last first).
	standInCtx, stopStandIn := context.WithCancel(ctx)
	defer stopStandIn()
	go standIn.Run(standInCtx, time.Second)
	if err := waitPhase(ctx, env.Client, hostingv1.PhaseReady, 3*time.Minute); err != nil {
		return fmt.Errorf("%w\n%s", err, lastLines(operator.Log(), 20))
	}

	step("The result")
	out, _ = as("admin", "kubectl", "get", "sdr", "-o", "wide")
	show("admin", "kubectl get sdr -o wide", out)
	conditions()
	out, _ = as("admin", "plugin", "describe", request)
	show("admin", "kubectl subdomain describe "+request, out)
	digOut, err := harness.DigAt(ctx, bind.Addr, request+"."+zone)
	show("anyone", fmt.Sprintf("dig @127.0.0.1 -p %d %s.%s", bind.Port, request, zone), digOut)
	if err != nil {
		return err
	}
	var mails []harness.Mail
	err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		mails, err = mail.Messages(ctx)
		return err == nil && len(mails) > 0, nil
	})
	if err != nil {
		return fmt.Errorf("no mail reached the applicant: %w", err)
	}
	fmt.Printf("\n# The applicant's inbox (mailpit, http://127.0.0.1:%d): %d message\nTo: %s\nSubject: %s\n\n%s\n",
		mail.HTTPPort, len(mails), strings.Join(mails[0].To, ", "), mails[0].Subject, mails[0].Text)
	samples, err := metricSamples(ctx, metricsURL, "subdomain_requests{", "subdomain_notifications_total{", "subdomain_dns_checks_total{",
		"subdomain_last_approval_to_ready_seconds_count")
	if err != nil {
		return err
	}
	fmt.Printf("\n$ curl -s %s | grep -E '^subdomain_(requests|notifications_total|dns_checks_total)\\{|_to_ready_seconds_count' | grep -v ' 0$'\n%s",
		metricsURL, samples)

	step("The portal: the auditor logs in through the OpenID Connect provider, as a browser would, and opens the register")
	if err := portal.check(ctx, "ratna"); err != nil {
		return fmt.Errorf("the portal: %w\n%s", err, lastLines(portal.process.Log(), 20))
	}
	portal.printLogins()

	if once {
		step("Done (ONCE=1): stopping everything")
		return nil
	}
	fmt.Printf(`
Everything keeps running until Ctrl-C. Try, in another terminal:

  export KUBECONFIG=%[1]s/admin.kubeconfig
  kubectl get sdr -o wide              # with bin/k8s/kubectl
  kubectl get sdr dinkes -o jsonpath='%[5]s'
  kubectl get ns,deploy,httproute,listenerset,certificate,dnsendpoint -A
  # (the stand-in keeps writing the Deployment, HTTPRoute and Certificate status for
  # every site, so another request becomes Ready too)
  # another request, as the applicant:
  sed -e 's/dinkes/disdik/g' -e 's/Dinas Kesehatan/Dinas Pendidikan/' config/samples/hosting_v1alpha1_subdomainrequest.yaml | kubectl --kubeconfig %[1]s/pemohon-dinkes.kubeconfig apply -f -
  # a rejection by the Kepala Dinas:
  bin/kubectl-subdomain --kubeconfig %[1]s/budi.kubeconfig reject disdik --reason "Gunakan nama unit yang resmi"
  # a taken name (www is reserved; it is also in the zone):
  sed 's/name: dinkes/name: www-req/; s/subdomain: dinkes/subdomain: www/' config/samples/hosting_v1alpha1_subdomainrequest.yaml | kubectl --kubeconfig %[1]s/pemohon-dinkes.kubeconfig apply -f -
  dig @127.0.0.1 -p %[2]d dinkes.kuduskab.go.id
  # mail: http://127.0.0.1:%[3]d   metrics: %[4]s   logs: %[1]s/*.log
  # the portal, in a browser: %[6]s/ (the logins are above)
`, dir, bind.Port, mail.HTTPPort, metricsURL, conditionsPath, portal.url)
	<-ctx.Done()
	step("Stopping every process the demo started")
	return nil
}

func step(s string) { fmt.Printf("\n==> %s\n", s) }

// metricSamples reads the operator's metrics endpoint and returns its sample lines
// that begin with one of the prefixes, skipping series at zero.
func metricSamples(ctx context.Context, url string, prefixes ...string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("reading the operator's metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("reading the operator's metrics: %s %v", resp.Status, err)
	}
	var b strings.Builder
	for _, l := range strings.Split(string(body), "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) && !strings.HasSuffix(l, " 0") {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.String(), nil
}

// pause waits d, or less when ctx ends; false when it ended.
func pause(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// waitNotServing waits until the operator provisioned the request and says what does
// not serve yet: SiteAvailable, RouteAccepted and CertificateReady False, Ready False
// (NotServing); then, for a few seconds more, for DNSReady, so that what is missing
// is what nothing in the demo provides.
func waitNotServing(ctx context.Context, c client.Client) error {
	var s hostingv1.SubdomainRequest
	get := func(ctx context.Context) bool {
		return c.Get(ctx, client.ObjectKey{Name: request}, &s) == nil
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if !get(ctx) {
			return false, nil
		}
		for _, typ := range []string{hostingv1.ConditionSiteAvailable, hostingv1.ConditionRouteAccepted, hostingv1.ConditionCertificateReady} {
			if !meta.IsStatusConditionFalse(s.Status.Conditions, typ) {
				return false, nil
			}
		}
		ready := meta.FindStatusCondition(s.Status.Conditions, hostingv1.ConditionReady)
		return ready != nil && ready.Status == metav1.ConditionFalse && ready.Reason == hostingv1.ReasonNotServing, nil
	})
	if err != nil {
		return fmt.Errorf("request %s is not provisioned and waiting for its site (phase %q, conditions %v): %w", request, s.Status.Phase, s.Status.Conditions, err)
	}
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		return get(ctx) && meta.IsStatusConditionTrue(s.Status.Conditions, hostingv1.ConditionDNSReady), nil
	})
	return ctx.Err()
}

// waitCondition waits until the request's condition typ is True and returns it.
func waitCondition(ctx context.Context, c client.Client, typ string) (*metav1.Condition, error) {
	var found *metav1.Condition
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		s := &hostingv1.SubdomainRequest{}
		if err := c.Get(ctx, client.ObjectKey{Name: request}, s); err != nil {
			return false, nil
		}
		found = meta.FindStatusCondition(s.Status.Conditions, typ)
		return found != nil && found.Status == metav1.ConditionTrue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("request %s: %s is not True (%v): %w", request, typ, found, err)
	}
	return found, nil
}

func waitPhase(ctx context.Context, c client.Client, want hostingv1.Phase, timeout time.Duration) error {
	var got hostingv1.Phase
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		s := &hostingv1.SubdomainRequest{}
		if err := c.Get(ctx, client.ObjectKey{Name: request}, s); err != nil {
			return false, nil
		}
		got = s.Status.Phase
		return got == want, nil
	})
	if err != nil {
		return fmt.Errorf("request %s is %q, not %q: %w", request, got, want, err)
	}
	return nil
}

// waitApprovalSeen waits until the operator recorded the official's decision, so the
// next official finds the request waiting for them.
func waitApprovalSeen(ctx context.Context, c client.Client, official string) error {
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		s := &hostingv1.SubdomainRequest{}
		if err := c.Get(ctx, client.ObjectKey{Name: request}, s); err != nil {
			return false, nil
		}
		for _, step := range s.Status.Steps {
			if step.By == official && step.State == hostingv1.StepStateDone {
				return true, nil
			}
		}
		return false, nil
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
