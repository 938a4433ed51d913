package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/preflight"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

var _ = Describe("Observability: counters and Warning Events", func() {
	BeforeEach(func() {
		// The suite does not wait for the operator's metrics endpoint; these specs read it first.
		Eventually(func() error {
			resp, err := http.Get("http://" + metricsAddr + "/metrics")
			if err == nil {
				resp.Body.Close()
			}
			return err
		}).Should(Succeed())
	})

	It("counts failed notifications and tells the request once while the SMTP server is down", func() {
		const name = "sepi"
		failed := series("subdomain_notifications_total", "channel", "email", "result", "failed")
		sent := series("subdomain_notifications_total", "channel", "email", "result", "sent")
		failedBefore, sentBefore := metric(scrape(), failed), metric(scrape(), sent)

		mailpit.Stop()
		DeferCleanup(func() {
			if mailpit.Exited() {
				Expect(mailpit.Restart(ctx)).To(Succeed())
			}
		})
		applyRequest(name, name, "Retain")
		approveAll(name)
		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))
		// The first attempt and at least one retry (2 s later) have failed.
		Eventually(func() float64 { return metric(scrape(), failed) }, "60s").Should(BeNumerically(">=", failedBefore+2))
		warnings := func() []eventsv1.Event { return eventsFor(name, hostingv1.ReasonNotificationFailed) }
		Eventually(warnings).Should(HaveLen(1))
		ev := warnings()[0]
		Expect(ev.Type).To(Equal("Warning"))
		Expect(ev.Note).To(MatchRegexp(`^telling sepi@kuduskab\.go\.id by email \(ready\) failed, retrying with back-off: connecting to the SMTP server 127\.0\.0\.1:\d+`))
		// Retries with the same error are counted, not told again.
		n := metric(scrape(), failed)
		Eventually(func() float64 { return metric(scrape(), failed) }, "60s").Should(BeNumerically(">", n))
		Expect(warnings()).To(HaveLen(1))
		Expect(warnings()[0].Series).To(BeNil())

		Expect(mailpit.Restart(ctx)).To(Succeed())
		Eventually(mailsTo(name+"@kuduskab.go.id", "sudah aktif"), "90s").Should(HaveLen(1))
		Eventually(func() float64 { return metric(scrape(), sent) }).Should(BeNumerically(">=", sentBefore+1))
		Expect(operator.Log()).To(ContainSubstring("notifying the applicant failed; retrying"))
		Expect(operator.Log()).To(ContainSubstring("notified the applicant"))
	})

	It("counts the DNS checks that find no answer before external-dns publishes, and the answer", func() {
		const name = "sahut"
		notAnswering := series("subdomain_dns_checks_total", "result", "not_answering")
		answering := series("subdomain_dns_checks_total", "result", "answering")
		body := scrape()
		notBefore, ansBefore := metric(body, notAnswering), metric(body, answering)
		Expect(body).To(ContainSubstring(series("subdomain_dns_checks_total", "result", "error")+" "), "every result exists from the start")

		applyRequest(name, name, "Retain")
		approveAll(name)
		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))
		body = scrape()
		Expect(metric(body, notAnswering)).To(BeNumerically(">", notBefore),
			"the first check follows the DNSEndpoint's creation at once, before external-dns publishes it")
		Expect(metric(body, answering)).To(BeNumerically(">", ansBefore))
		Expect(operator.Log()).To(MatchRegexp(`DNS answers.*sahut`))
	})

	It("tells a provisioning conflict once as a Warning Event", func() {
		mustKubectl("admin", "create", "namespace", "web-liar")
		applyRequest("liar", "liar", "Retain")
		approveAll("liar")
		conflicts := func() []eventsv1.Event { return eventsFor("liar", hostingv1.ReasonProvisioningConflict) }
		Eventually(conflicts).Should(HaveLen(1))
		Expect(conflicts()[0].Type).To(Equal("Warning"))
		Expect(conflicts()[0].Note).To(Equal("Namespace web-liar exists and was not created by this operator; it is left untouched"))
		Expect(operator.Log()).To(MatchRegexp(`provisioning blocked.*Namespace web-liar exists`))
		// Another reconcile finds the same conflict: nothing more is told.
		mustKubectl("admin", "annotate", "sdr", "liar", "catatan=lihat-lagi")
		Consistently(conflicts, "3s").Should(HaveLen(1))
		mustKubectl("pemohon-dinkes", "delete", "sdr", "liar", "--wait=true", "--timeout=60s")
	})

	It("logs each object it puts back, naming the kind, the object and what drifted", func() {
		const name = "ubah"
		applyRequest(name, name, "Retain")
		approveAll(name)
		Eventually(phaseOf(name), "90s").Should(Equal(hostingv1.PhaseReady))
		Expect(operator.Log()).To(MatchRegexp(`created.*"kind": "HTTPRoute", "object": "web-ubah/web"`))
		mustKubectl("admin", "-n", "web-"+name, "patch", "resourcequota", "plan", "--type=merge", "-p", `{"spec":{"hard":{"pods":"500"}}}`)
		Eventually(operator.Log).Should(MatchRegexp(`repaired drift.*"kind": "ResourceQuota", "object": "web-ubah/plan", "drifted": \["spec\.hard\.pods"\]`))
		mustKubectl("admin", "-n", "web-"+name, "delete", "httproute", "web")
		Eventually(operator.Log).Should(MatchRegexp(`put back a deleted object.*"kind": "HTTPRoute", "object": "web-ubah/web"`))
	})

	It("exports every metric, with every label value, that the PrometheusRule and the Grafana dashboard use", func() {
		root := testenv.RepoRoot()
		var exprs []string
		var rule struct {
			APIVersion, Kind string
			Metadata         struct {
				Name, Namespace string
				Labels          map[string]string
			}
			Spec struct {
				Groups []struct {
					Name  string
					Rules []struct {
						Alert, Expr, For string
						Labels           map[string]string
						Annotations      map[string]string
					}
				}
			}
		}
		data, err := os.ReadFile(filepath.Join(root, "config/prometheus/prometheus-rule.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(sigsyaml.UnmarshalStrict(data, &rule)).To(Succeed())
		Expect(rule.APIVersion + " " + rule.Kind).To(Equal("monitoring.coreos.com/v1 PrometheusRule"))
		Expect(rule.Metadata.Namespace).To(Equal("subdomain-operator-system"))
		alerts := map[string]bool{}
		for _, g := range rule.Spec.Groups {
			for _, r := range g.Rules {
				Expect(r.Alert).NotTo(BeEmpty())
				alerts[r.Alert] = true
				Expect(r.Labels).To(HaveKey("severity"), r.Alert)
				Expect(r.Annotations).To(And(HaveKey("summary"), HaveKey("description")), r.Alert)
				exprs = append(exprs, r.Expr)
			}
		}
		// The README's Operations section: breaches, requests returned, notifications
		// failing, DNS not answering.
		Expect(alerts).To(HaveKey("SubdomainTimeStandardBreached"))
		Expect(alerts).To(HaveKey("SubdomainRequestsReturned"))
		Expect(alerts).To(HaveKey("SubdomainNotificationsFailing"))
		Expect(alerts).To(HaveKey("SubdomainDNSNotAnswering"))

		var dashboard struct {
			Panels []struct {
				Title   string
				Targets []struct{ Expr string }
			}
		}
		data, err = os.ReadFile(filepath.Join(root, "config/grafana/subdomain-operator.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(json.Unmarshal(data, &dashboard)).To(Succeed())
		for _, p := range dashboard.Panels {
			for _, t := range p.Targets {
				exprs = append(exprs, t.Expr)
			}
		}
		Expect(len(exprs)).To(BeNumerically(">", 10))

		body := scrape()
		exported := exportedSeries(body)
		selector := regexp.MustCompile(`\b(subdomain_[a-z0-9_]+)(\{([^}]*)\})?`)
		matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"`)
		used := map[string]bool{}
		for _, expr := range exprs {
			Expect(balanced(expr)).To(BeTrue(), "unbalanced brackets or quotes in %q", expr)
			for _, sel := range selector.FindAllStringSubmatch(expr, -1) {
				name := sel[1]
				used[name] = true
				Expect(exported).To(HaveKey(name), "%s (in %q) is not in the operator's /metrics", name, expr)
				for _, m := range matcher.FindAllStringSubmatch(sel[3], -1) {
					var values []string
					switch m[2] {
					case "=":
						values = []string{m[3]}
					case "=~":
						values = strings.Split(m[3], "|")
					default:
						continue
					}
					for _, v := range values {
						Expect(exported[name]).To(ContainElement(HaveKeyWithValue(m[1], v)),
							"no series %s{%s=%q} (in %q) in the operator's /metrics", name, m[1], v, expr)
					}
				}
			}
		}
		for _, name := range []string{"subdomain_requests", "subdomain_step_duration_seconds_bucket", "subdomain_sla_breaches_total",
			"subdomain_notifications_total", "subdomain_dns_checks_total", "subdomain_reconcile_errors_total"} {
			Expect(used).To(HaveKey(name), "the alerts and the dashboard should use %s", name)
		}
		for _, stage := range []string{"name_check", "provisioning", "status", "notify"} {
			Expect(body).To(ContainSubstring(series("subdomain_reconcile_errors_total", "stage", stage) + " "))
		}
	})

	It("ships the ServiceMonitor and PrometheusRule as an optional kustomize component, outside config/default", func() {
		root := testenv.RepoRoot()
		Expect(mustKubectl("admin", "kustomize", filepath.Join(root, "config/default"))).NotTo(
			Or(ContainSubstring("kind: ServiceMonitor"), ContainSubstring("kind: PrometheusRule")))

		overlay := filepath.Join(workDir, "with-prometheus")
		Expect(os.MkdirAll(overlay, 0o755)).To(Succeed())
		rel := func(dir string) string {
			r, err := filepath.Rel(overlay, filepath.Join(root, dir))
			Expect(err).NotTo(HaveOccurred())
			return r
		}
		Expect(os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(fmt.Sprintf(
			"resources: [%s]\ncomponents: [%s]\n", rel("config/default"), rel("config/prometheus"))), 0o644)).To(Succeed())
		rendered := mustKubectl("admin", "kustomize", overlay)
		var monitor, service map[string]any
		for _, doc := range strings.Split(rendered, "\n---\n") {
			var u map[string]any
			Expect(sigsyaml.Unmarshal([]byte(doc), &u)).To(Succeed())
			md, _ := u["metadata"].(map[string]any)
			switch {
			case u["kind"] == "ServiceMonitor":
				monitor = u
				Expect(md["namespace"]).To(Equal("subdomain-operator-system"))
			case u["kind"] == "PrometheusRule":
				Expect(md["namespace"]).To(Equal("subdomain-operator-system"))
			case u["kind"] == "Service" && md["name"] == "subdomain-operator-controller-manager-metrics":
				service = u
			}
		}
		Expect(monitor).NotTo(BeNil())
		Expect(service).NotTo(BeNil())
		Expect(rendered).To(ContainSubstring("kind: PrometheusRule"))
		// The monitor selects the metrics Service, in its namespace, by its port's name,
		// over https with the ServiceAccount's token.
		svcMeta := service["metadata"].(map[string]any)
		Expect(svcMeta["namespace"]).To(Equal("subdomain-operator-system"))
		spec := monitor["spec"].(map[string]any)
		for k, v := range spec["selector"].(map[string]any)["matchLabels"].(map[string]any) {
			Expect(svcMeta["labels"]).To(HaveKeyWithValue(k, v))
		}
		endpoint := spec["endpoints"].([]any)[0].(map[string]any)
		Expect(endpoint).To(HaveKeyWithValue("scheme", "https"))
		Expect(endpoint).To(HaveKeyWithValue("bearerTokenFile", "/var/run/secrets/kubernetes.io/serviceaccount/token"))
		Expect(service["spec"].(map[string]any)["ports"]).To(ContainElement(HaveKeyWithValue("name", endpoint["port"])))
	})
})

var _ = Describe("Starting on a cluster without external-dns's DNSEndpoint CRD", func() {
	It("exits within seconds, naming in one structured log line what is missing and how to install it", func() {
		By("starting a second control plane with only this product's CRD")
		bare := &envtest.Environment{
			BinaryAssetsDirectory: filepath.Join(testenv.RepoRoot(), "bin", "k8s"),
			CRDDirectoryPaths:     []string{filepath.Join(testenv.RepoRoot(), "config", "crd", "bases")},
			ErrorIfCRDPathMissing: true,
		}
		cfg, err := bare.Start()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(bare.Stop)
		user, err := bare.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
		Expect(err).NotTo(HaveOccurred())
		kc, err := user.KubeConfig()
		Expect(err).NotTo(HaveOccurred())
		kubeconfig := filepath.Join(workDir, "bare.kubeconfig")
		Expect(os.WriteFile(kubeconfig, kc, 0o600)).To(Succeed())

		By("running the operator's binary against it, with its default (JSON) logging")
		runCtx, cancelRun := context.WithTimeout(ctx, 2*time.Minute)
		defer cancelRun()
		cmd := exec.CommandContext(runCtx, managerBin, "--kubeconfig="+kubeconfig,
			"--health-probe-bind-address=0", "--metrics-bind-address=0")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err = cmd.Run()
		elapsed := time.Since(start)
		AddReportEntry(fmt.Sprintf("the operator's output (exit after %s)", elapsed.Round(time.Millisecond)), out.String())
		var exit *exec.ExitError
		Expect(errors.As(err, &exit)).To(BeTrue(), "want a non-zero exit, got %v\n%s", err, out.String())
		Expect(exit.ExitCode()).NotTo(BeZero())
		Expect(elapsed).To(BeNumerically("<", 20*time.Second), out.String())

		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var errorLines []map[string]any
		for _, l := range lines {
			var entry map[string]any
			Expect(json.Unmarshal([]byte(l), &entry)).To(Succeed(), "a line that is not the operator's structured log (raw klog?): %q", l)
			Expect(entry).To(HaveKey("msg"), l)
			if entry["level"] == "error" {
				errorLines = append(errorLines, entry)
			}
		}
		Expect(errorLines).To(HaveLen(1), out.String())
		line := fmt.Sprint(errorLines[0]["msg"], ": ", errorLines[0]["error"])
		Expect(line).To(ContainSubstring("the API server does not serve DNSEndpoint (externaldns.k8s.io/v1alpha1)"))
		Expect(line).To(ContainSubstring("kubectl apply -f " + preflight.DNSEndpointCRDURL))
		Expect(line).NotTo(ContainSubstring("SubdomainRequest (hosting"), "the product's own CRD is there")
		Expect(errorLines[0]).NotTo(HaveKey("stacktrace"))
		Expect(out.String()).NotTo(Or(ContainSubstring("failed to list"), ContainSubstring("caches to sync")))

		By("the file the message points at is external-dns " + preflight.ExternalDNSVersion + "'s own CRD")
		dir, err := testenv.ExternalDNSCRDDir()
		Expect(err).NotTo(HaveOccurred())
		Expect(filepath.Join(dir, filepath.Base(preflight.DNSEndpointCRDURL))).To(BeAnExistingFile())
		Expect(dir).To(ContainSubstring("external-dns@" + preflight.ExternalDNSVersion))
	})
})

// eventsFor lists the Events of one reason about a request.
func eventsFor(request, reason string) []eventsv1.Event {
	var list eventsv1.EventList
	Expect(admin.List(ctx, &list)).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == "SubdomainRequest" && e.Regarding.Name == request && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// series is how a sample's series appears in the text exposition: labels in the
// order given, which is the order Prometheus's client writes them (sorted by name).
func series(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	var parts []string
	for i := 0; i+1 < len(labels); i += 2 {
		parts = append(parts, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// metric is the value of one series in a scrape; absent is a failure.
func metric(body, s string) float64 {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, s+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			ExpectWithOffset(1, err).NotTo(HaveOccurred(), l)
			return f
		}
	}
	Fail("no series " + s + " in the operator's /metrics")
	return 0
}

// exportedSeries maps each metric name in a scrape to the label sets of its series.
func exportedSeries(body string) map[string][]map[string]string {
	line := regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? `)
	label := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
	out := map[string][]map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		labels := map[string]string{}
		for _, kv := range label.FindAllStringSubmatch(m[3], -1) {
			labels[kv[1]] = kv[2]
		}
		out[m[1]] = append(out[m[1]], labels)
	}
	return out
}

// balanced reports whether an expression's brackets pair up and its strings close.
func balanced(expr string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	inString := false
	for i, c := range expr {
		switch {
		case inString:
			if c == '"' && (i == 0 || expr[i-1] != '\\') {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '(' || c == '[' || c == '{':
			stack = append(stack, c)
		case pairs[c] != 0:
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return !inString && len(stack) == 0
}
