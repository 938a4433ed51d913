// Package deploy checks what a platform team installs: config/default renders and the
// real API server accepts every object, and two operator replicas with leader
// election hand over the work when the leader dies.
package deploy

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	operatorNamespace = "subdomain-operator-system"
	// The ServiceAccount of config/default, as the API server names it.
	operatorUser = "system:serviceaccount:subdomain-operator-system:subdomain-operator-controller-manager"
)

var (
	ctx        context.Context
	cancel     context.CancelFunc
	env        *testenv.Env
	workDir    string
	kubectlBin string
	managerBin string
	kubeconfig map[string]string
)

func TestDeploy(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(60 * time.Second)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	RunSpecs(t, "Deploy Suite")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	workDir, err = os.MkdirTemp("", "kudus-deploy-")
	Expect(err).NotTo(HaveOccurred())
	root := testenv.RepoRoot()
	kubectlBin = filepath.Join(root, "bin", "k8s", "kubectl")
	managerBin = filepath.Join(workDir, "manager")
	build := exec.Command("go", "build", "-o", managerBin, ".")
	build.Dir = root
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))

	env, err = testenv.Start(ctx)
	Expect(err).NotTo(HaveOccurred())
	// envtest runs no kubelet, Gateway controller or cert-manager: the stand-in writes
	// the status they would, so that a site that is made also serves (Ready).
	standIn := &harness.StandIn{Client: env.Client, NamespacePrefix: "web-", Address: "203.0.113.10"}
	go standIn.Run(ctx, 300*time.Millisecond)
	kubeconfig, err = env.WriteKubeconfigs(workDir, testenv.People(operatorUser))
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
	_ = os.RemoveAll(workDir)
})

var topLevelKind = regexp.MustCompile(`(?m)^kind: `)

func kubectl(user string, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", kubeconfig[user]}, args...)...)
	cmd.Dir = testenv.RepoRoot()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustKubectl(user, stdin string, args ...string) string {
	out, err := kubectl(user, stdin, args...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	return out
}

var _ = Describe("config/default", Ordered, func() {
	var rendered string

	It("renders with kustomize, and the API server accepts every object in a server-side dry run", func() {
		rendered = mustKubectl("admin", "", "kustomize", "config/default")
		kinds := len(topLevelKind.FindAllString(rendered, -1))
		Expect(kinds).To(BeNumerically(">=", 25))
		// Namespaced objects need their namespace to exist, even in a dry run.
		// (testenv made the operator's namespace already, for the granted-hosts ConfigMap.)
		mustKubectl("admin", "", "get", "namespace", operatorNamespace)
		out := mustKubectl("admin", rendered, "apply", "--server-side", "--dry-run=server", "--field-manager=platform-team", "--force-conflicts", "-f", "-")
		Expect(strings.Count(out, "(server dry run)")).To(Equal(kinds), out)

		edns := mustKubectl("admin", "", "kustomize", "config/external-dns")
		mustKubectl("admin", "", "create", "namespace", "external-dns")
		out = mustKubectl("admin", edns, "apply", "--server-side", "--dry-run=server", "-f", "-")
		Expect(strings.Count(out, "(server dry run)")).To(Equal(len(topLevelKind.FindAllString(edns, -1))), out)
	})

	It("installed for real, gives the operator what it needs and no approve verb", func() {
		// The Deployment has no kubelet to run it here: the replicas below are started as
		// processes with the ServiceAccount's identity and the same flags.
		mustKubectl("admin", rendered, "apply", "--server-side", "--field-manager=platform-team", "--force-conflicts", "-f", "-")
		can := func(args ...string) string {
			out, _ := kubectl("admin", "", append([]string{"auth", "can-i"}, append(args, "--as="+operatorUser,
				"--as-group=system:serviceaccounts", "--as-group=system:serviceaccounts:"+operatorNamespace)...)...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			return lines[len(lines)-1]
		}
		for _, role := range hostingv1.Roles {
			Expect(can("approve", "subdomainrequests/"+string(role))).To(Equal("no"), string(role))
		}
		Expect(can("create", "namespaces")).To(Equal("yes"))
		Expect(can("patch", "subdomainrequests/status")).To(Equal("yes"))
		Expect(can("create", "leases", "-n", operatorNamespace)).To(Equal("yes"))
		Expect(can("delete", "secrets", "-n", "kube-system")).To(Equal("no"))
	})

	It("runs two replicas with leader election: only the leader works, and the other takes over when it dies", func() {
		cfg := filepath.Join(workDir, "config.yaml")
		Expect(os.WriteFile(cfg, []byte("baseDomain: kuduskab.go.id\n"), 0o644)).To(Succeed())
		start := func(name string) *harness.Process {
			p, err := harness.Start(workDir, name, managerBin, []string{"--kubeconfig=" + kubeconfig[operatorUser],
				"--config=" + cfg, "--leader-elect", "--leader-election-namespace=" + operatorNamespace,
				"--health-probe-bind-address=0", "--metrics-bind-address=0"})
			Expect(err).NotTo(HaveOccurred())
			return p
		}
		first := start("replica-1")
		defer first.Stop()
		Eventually(func() string { return leaseHolder() }).ShouldNot(BeEmpty())
		second := start("replica-2")
		defer second.Stop()

		file(ctx, "satu")
		Eventually(phaseOf("satu")).Should(Equal(hostingv1.PhaseReady))
		leader, follower := first, second
		if !strings.Contains(first.Log(), "claimed name") {
			leader, follower = second, first
		}
		Expect(claimed(leader, "web-satu")).To(BeTrue())
		Expect(follower.Log()).NotTo(ContainSubstring("claimed name"))
		Expect(follower.Log()).NotTo(ContainSubstring("Starting workers"))

		// Work arrives while the leader is dead; the follower picks it up.
		holder := leaseHolder()
		leader.Kill()
		file(ctx, "dua")
		Eventually(leaseHolder, "60s").ShouldNot(Equal(holder))
		Eventually(phaseOf("dua"), "90s").Should(Equal(hostingv1.PhaseReady))
		Expect(claimed(follower, "web-dua")).To(BeTrue())
	})

	It("serves its metrics over HTTPS only to a token the API server accepts, of a user allowed to get /metrics", func() {
		port, err := harness.FreePort()
		Expect(err).NotTo(HaveOccurred())
		cfg := filepath.Join(workDir, "config.yaml")
		// As the Deployment runs it: secure metrics (the default), the installed
		// ServiceAccount's identity, so the installed RBAC must let it ask the reviews.
		p, err := harness.Start(workDir, "metrics", managerBin, []string{"--kubeconfig=" + kubeconfig[operatorUser],
			"--config=" + cfg, "--leader-elect", "--leader-election-namespace=" + operatorNamespace,
			"--health-probe-bind-address=0", fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", port)})
		Expect(err).NotTo(HaveOccurred())
		defer p.Stop()

		mustKubectl("admin", "", "create", "namespace", "monitoring")
		for _, sa := range []string{"prometheus", "stranger"} {
			mustKubectl("admin", "", "create", "serviceaccount", sa, "-n", "monitoring")
		}
		mustKubectl("admin", "", "create", "clusterrolebinding", "prometheus-metrics-reader",
			"--clusterrole=subdomain-operator-metrics-reader", "--serviceaccount=monitoring:prometheus")
		token := func(sa string) string {
			return strings.TrimSpace(mustKubectl("admin", "", "create", "token", sa, "-n", "monitoring"))
		}
		prometheus, stranger := token("prometheus"), token("stranger")

		// The endpoint's certificate is the operator's own self-signed one (no
		// cert-manager here); what is tested is who gets an answer.
		httpClient := &http.Client{Timeout: 10 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // self-signed, see above
		scrape := func(path, bearer string) (int, string) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d%s", port, path), nil)
			Expect(err).NotTo(HaveOccurred())
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := httpClient.Do(req)
			if err != nil {
				return 0, err.Error()
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		Eventually(func() int { code, _ := scrape("/metrics", ""); return code }).ShouldNot(BeZero(), p.Log())

		By("no token: 401")
		code, body := scrape("/metrics", "")
		Expect(code).To(Equal(http.StatusUnauthorized))
		Expect(body).To(ContainSubstring("send a bearer token the API server accepts"))
		By("a token the API server does not accept: 401")
		code, body = scrape("/metrics", "not-a-token")
		Expect(code).To(Equal(http.StatusUnauthorized))
		Expect(body).To(ContainSubstring("the API server does not accept this token"))
		By("a valid token of a user without the metrics-reader role: 403, naming the user")
		code, body = scrape("/metrics", stranger)
		Expect(code).To(Equal(http.StatusForbidden))
		Expect(body).To(ContainSubstring(`user "system:serviceaccount:monitoring:stranger" may not get /metrics`))
		By("a user bound to subdomain-operator-metrics-reader gets the metrics")
		code, body = scrape("/metrics", prometheus)
		Expect(code).To(Equal(http.StatusOK), body)
		// The requests gauge reports once the cache has listed the two requests above.
		Eventually(func() string { _, body := scrape("/metrics", prometheus); return body }).Should(ContainSubstring(`subdomain_requests{`))
		Expect(p.Log()).NotTo(ContainSubstring(prometheus))
		Expect(p.Log()).NotTo(ContainSubstring(stranger))
	})
})

// file has the applicant file a request and the three officials approve it.
func file(ctx context.Context, name string) {
	manifest := fmt.Sprintf(`apiVersion: hosting.kuduskab.go.id/v1alpha1
kind: SubdomainRequest
metadata: {name: %[1]s}
spec:
  subdomain: %[1]s
  applicant: {unit: Dinas %[1]s, contactName: Tester, email: %[1]s@kuduskab.go.id, group: "opd:%[1]s"}
  letter: {number: "555/%[1]s/2026", date: "2026-11-28"}
  purpose: Pengujian
`, name)
	mustKubectl("pemohon-dinkes", manifest, "apply", "-f", "-")
	for _, a := range [][2]string{{"budi", "kepala-dinas"}, {"agus", "kepala-bidang-informatika"}, {"dewi", "kepala-seksi-ti-persandian"}} {
		mustKubectl(a[0], "", "annotate", "sdr", name, hostingv1.ApprovalAnnotationPrefix+a[1]+"="+a[0])
	}
}

// claimed reports whether a replica's log shows it claimed the name of a Namespace.
func claimed(p *harness.Process, namespace string) bool {
	for _, line := range strings.Split(p.Log(), "\n") {
		if strings.Contains(line, "claimed name") && strings.Contains(line, namespace) {
			return true
		}
	}
	return false
}

func phaseOf(name string) func() hostingv1.Phase {
	return func() hostingv1.Phase {
		s := &hostingv1.SubdomainRequest{}
		if err := env.Client.Get(ctx, client.ObjectKey{Name: name}, s); err != nil {
			return ""
		}
		return s.Status.Phase
	}
}

func leaseHolder() string {
	out, _ := kubectl("admin", "", "-n", operatorNamespace, "get", "lease", "subdomain-operator.hosting.kuduskab.go.id",
		"-o", "jsonpath={.spec.holderIdentity}")
	if strings.Contains(out, "NotFound") {
		return ""
	}
	return strings.TrimSpace(out)
}
