// Command demo runs the whole procedure on an embedded local control plane: the pinned
// etcd and kube-apiserver, BIND 9 for the base domain, external-dns, mailpit as the
// SMTP server and the operator. It files the sample request, has the three officials
// approve it in order, shows the timeline, the DNS answer and the applicant's mail,
// and keeps everything running until Ctrl-C (or exits at once with -once).
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

	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	zone     = "kuduskab.go.id"
	targetIP = "192.0.2.10"
	request  = "dinkes"
)

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
	processes []*harness.Process
}

func (s *stack) stop() {
	for i := len(s.processes) - 1; i >= 0; i-- {
		s.processes[i].Stop()
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
	for _, b := range []string{kubectlBin, plugin, manager} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%s is missing: run 'make demo', which builds it", b)
		}
	}

	step("Starting the embedded control plane (etcd v3.6.16, kube-apiserver v1.37.2) with the CRD, policies and roles")
	st.env, err = testenv.Start(ctx)
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
	kubeconfigs, err := env.WriteKubeconfigs(dir, testenv.People(testenv.OperatorUser))
	if err != nil {
		return err
	}

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
	// The demo's mailpit is a local test server without TLS, so the operator sends to
	// it in clear text (tls: none); a real mail server needs starttls or implicit,
	// as the end-to-end tests use.
	cfg := filepath.Join(dir, "operator.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`baseDomain: %s
ingressTarget:
  ips: [%s]
clusterIssuer: letsencrypt-kudus
recordTTL: 60
dns:
  servers: ["%s"]
notification:
  smtp: {host: 127.0.0.1, port: %d, tls: none, from: diskominfo@kuduskab.go.id}
`, zone, targetIP, bind.Addr, mail.SMTPPort)), 0o644); err != nil {
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
	op, err := harness.Start(dir, "operator", manager, []string{"--config=" + cfg, "--kubeconfig=" + kubeconfigs[testenv.OperatorUser],
		"--health-probe-bind-address=0", fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", metricsPort), "--metrics-secure=false"})
	if err != nil {
		return err
	}
	st.processes = append(st.processes, op)
	if err := harness.WaitFor(ctx, op, time.Minute, "the operator's metrics endpoint", func() error {
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
	if err := waitPhase(ctx, env.Client, hostingv1.PhaseReady, 3*time.Minute); err != nil {
		return fmt.Errorf("%w\n%s", err, lastLines(op.Log(), 20))
	}

	step("The result")
	out, _ = as("admin", "kubectl", "get", "sdr")
	show("admin", "kubectl get sdr", out)
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
	fmt.Printf("\n# The applicant's inbox (mailpit, http://127.0.0.1:%d)\nTo: %s\nSubject: %s\n\n%s\n", mail.HTTPPort, strings.Join(mails[0].To, ", "), mails[0].Subject, mails[0].Text)
	samples, err := metricSamples(ctx, metricsURL, "subdomain_requests{", "subdomain_notifications_total{", "subdomain_dns_checks_total{",
		"subdomain_last_approval_to_ready_seconds_count")
	if err != nil {
		return err
	}
	fmt.Printf("\n$ curl -s %s | grep -E '^subdomain_(requests|notifications_total|dns_checks_total)\\{|_to_ready_seconds_count' | grep -v ' 0$'\n%s",
		metricsURL, samples)

	if once {
		step("Done (ONCE=1): stopping everything")
		return nil
	}
	fmt.Printf(`
Everything keeps running until Ctrl-C. Try, in another terminal:

  export KUBECONFIG=%[1]s/admin.kubeconfig
  kubectl get sdr                      # with bin/k8s/kubectl
  kubectl get ns,ingress,dnsendpoint -A
  # another request, as the applicant:
  sed -e 's/dinkes/disdik/g' -e 's/Dinas Kesehatan/Dinas Pendidikan/' config/samples/hosting_v1alpha1_subdomainrequest.yaml | kubectl --kubeconfig %[1]s/pemohon-dinkes.kubeconfig apply -f -
  # a rejection by the Kepala Dinas:
  bin/kubectl-subdomain --kubeconfig %[1]s/budi.kubeconfig reject disdik --reason "Gunakan nama unit yang resmi"
  # a taken name (www is reserved; it is also in the zone):
  sed 's/name: dinkes/name: www-req/; s/subdomain: dinkes/subdomain: www/' config/samples/hosting_v1alpha1_subdomainrequest.yaml | kubectl --kubeconfig %[1]s/pemohon-dinkes.kubeconfig apply -f -
  dig @127.0.0.1 -p %[2]d dinkes.kuduskab.go.id
  # mail: http://127.0.0.1:%[3]d   metrics: %[4]s   logs: %[1]s/*.log
`, dir, bind.Port, mail.HTTPPort, metricsURL)
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
