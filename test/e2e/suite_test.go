// Package e2e runs the whole product for real: the control plane (kube-apiserver and
// etcd through envtest) with the project's CRD, policies and RBAC from config/, the
// operator as its built binary, external-dns v0.21.0 publishing to BIND 9, and kubectl
// for every user action, each official as themselves. The same control plane trusts an
// OpenID Connect provider (oidctest) and keeps an audit log of the SubdomainRequest
// writes, and the portal runs as its built binary, driven by a real browser
// (portal_browser_test.go).
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	zone     = "kuduskab.go.id"
	targetIP = "192.0.2.10"
	// takenInZone already has a record in BIND before the test starts.
	takenInZone = "lama"
	takenIP     = "192.0.2.99"
)

var (
	ctx         context.Context
	cancel      context.CancelFunc
	env         *testenv.Env
	admin       client.Client
	bind        *harness.BIND
	externalDNS *harness.Process
	operator    *harness.Process
	// standIn writes the status of the controllers envtest does not run (BeforeSuite).
	standIn     *harness.StandIn
	workDir     string
	kubectlBin  string
	managerBin  string
	operatorCfg string
	operatorKC  string
	mailpit     *harness.Mailpit
	webhook     *webhookRecorder
	metricsAddr string
	// kubeconfigs of the people, by user name.
	kubeconfigs map[string]string
	// provider is the OpenID Connect provider the API server and the portal trust;
	// portal is the portal's process, at portalURL (plain HTTP on 127.0.0.1).
	provider  *oidctest.Provider
	portal    *harness.Process
	portalURL string
	// auditLog is the API server's audit log (testenv.AuditPolicy: the writes of
	// SubdomainRequests).
	auditLog string
)

func TestEndToEnd(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(60 * time.Second)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	RunSpecs(t, "End-to-end Suite")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	workDir, err = os.MkdirTemp("", "kudus-e2e-")
	Expect(err).NotTo(HaveOccurred())
	root := testenv.RepoRoot()
	kubectlBin = filepath.Join(root, "bin", "k8s", "kubectl")

	By("building the operator binary")
	managerBin = filepath.Join(workDir, "manager")
	build := exec.Command("go", "build", "-o", managerBin, ".")
	build.Dir = root
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))

	By("building the portal binary")
	portalBin := filepath.Join(workDir, "portal")
	build = exec.Command("go", "build", "-o", portalBin, "./cmd/portal")
	build.Dir = root
	out, err = build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))

	By("starting an OpenID Connect provider (HTTPS, a CA made for this run) with the portal's people")
	// The portal's address is the client's registered redirect URL, so it is chosen
	// before the provider starts.
	portalPort, err := harness.FreePort()
	Expect(err).NotTo(HaveOccurred())
	portalURL = fmt.Sprintf("http://127.0.0.1:%d", portalPort)
	provider, err = oidctest.Start(oidctest.Options{Users: portalPeople,
		Clients: []oidctest.Client{{ID: portalClientID, RedirectURLs: []string{portalURL + "/auth/callback"}}}})
	Expect(err).NotTo(HaveOccurred())
	authConfig, err := testenv.WriteJWTAuthenticationConfig(workDir, provider.Issuer, provider.CAPEM, portalClientID)
	Expect(err).NotTo(HaveOccurred())
	auditPolicy, err := testenv.WriteAuditPolicy(workDir)
	Expect(err).NotTo(HaveOccurred())
	auditLog = filepath.Join(workDir, "audit.log")

	By("starting the control plane with config/, trusting the provider and keeping an audit log")
	env, err = testenv.StartWith(ctx, testenv.Options{AuthenticationConfig: authConfig, AuditPolicyFile: auditPolicy, AuditLogPath: auditLog})
	Expect(err).NotTo(HaveOccurred())
	admin = env.Client
	Expect(env.ApplyFile(ctx, filepath.Join(root, "config/officials/example-bindings.yaml"))).To(Succeed())
	Expect(env.ApplyFile(ctx, filepath.Join(root, "config/rbac/role.yaml"))).To(Succeed())
	Expect(env.BindGroup(ctx, "manager-role", "system:serviceaccounts:subdomain-operator-system")).To(Succeed())
	for role, group := range portalBindings {
		Expect(env.BindGroup(ctx, role, group)).To(Succeed())
	}

	kubeconfigs, err = env.WriteKubeconfigs(workDir, testenv.People(testenv.OperatorUser))
	Expect(err).NotTo(HaveOccurred())
	operatorKC = kubeconfigs[testenv.OperatorUser]

	By("starting the portal, which knows of the API server only its address and CA")
	portal = startPortal(portalBin)

	By("starting BIND 9 with a zone that already holds " + takenInZone)
	bind, err = harness.StartBIND(ctx, filepath.Join(workDir, "bind"), zone, []string{takenInZone + " IN A " + takenIP})
	Expect(err).NotTo(HaveOccurred())

	By("starting external-dns v0.21.0 against BIND")
	externalDNS, err = harness.StartExternalDNS(ctx, root, workDir, kubeconfigs["admin"], bind)
	Expect(err).NotTo(HaveOccurred())

	By("starting mailpit as the SMTP server (STARTTLS with a CA made for this run, AUTH required), and a webhook receiver")
	smtpCA, err = harness.WriteTestCA(filepath.Join(workDir, "smtp-tls"), "127.0.0.1")
	Expect(err).NotTo(HaveOccurred())
	smtpUserFile, smtpPasswordFile := filepath.Join(workDir, "smtp-tls", "username"), filepath.Join(workDir, "smtp-tls", "password")
	Expect(os.WriteFile(smtpUserFile, []byte(smtpUser+"\n"), 0o600)).To(Succeed())
	Expect(os.WriteFile(smtpPasswordFile, []byte(smtpPassword+"\n"), 0o600)).To(Succeed())
	mailpit, err = harness.StartMailpit(ctx, root, workDir, 0,
		harness.MailpitSTARTTLS(smtpCA.CertFile, smtpCA.KeyFile), harness.MailpitAuth(smtpUser, smtpPassword))
	Expect(err).NotTo(HaveOccurred())
	webhook = newWebhookRecorder()
	metricsPort, err := harness.FreePort()
	Expect(err).NotTo(HaveOccurred())
	metricsAddr = fmt.Sprintf("127.0.0.1:%d", metricsPort)

	By("standing in for the kubelet, a Gateway controller, an ingress controller and cert-manager")
	// envtest runs no kubelet (so no Deployment becomes Available), no Gateway or
	// ingress controller (nothing accepts an HTTPRoute or gives an Ingress an address)
	// and no cert-manager (no Certificate is issued), and the operator calls a site
	// Ready only once all of these say it serves. The stand-in writes the status they
	// would, in the site namespaces, for the whole suite; a spec that watches what the
	// operator says while nothing serves Holds its namespace. These parts are stood in
	// for, not verified.
	standIn = &harness.StandIn{Client: admin, NamespacePrefix: "web-", Address: targetIP}
	go standIn.Run(ctx, 500*time.Millisecond)

	By("starting the operator with the default routing (gateway) and TLS from a ClusterIssuer")
	operatorCfg = filepath.Join(workDir, "operator.yaml")
	writeOperatorConfig("")
	Expect(env.ApplyPolicySettingsFor(ctx, operatorCfg)).To(Succeed())
	operator = startOperator()
})

// writeOperatorConfig writes the operator's configuration file: the default routing
// (gateway: per site an HTTPRoute on the shared Gateway gateway-system/sites, a
// ListenerSet with the site's HTTPS listener and a Certificate from the ClusterIssuer),
// followed by the extra lines given (e.g. another routing mode).
func writeOperatorConfig(extra string) {
	smtpDir := filepath.Join(workDir, "smtp-tls")
	ExpectWithOffset(1, os.WriteFile(operatorCfg, []byte(fmt.Sprintf(`baseDomain: %s
ingressTarget:
  ips: [%s]
clusterIssuer: letsencrypt-kudus
recordTTL: 60
dns:
  servers: ["%s"]
  timeout: 1s
notification:
  smtp:
    host: 127.0.0.1
    port: %d
    tls: starttls
    caFile: %s
    usernameFile: %s
    passwordFile: %s
    from: diskominfo@kuduskab.go.id
  webhookURL: %s
%s`, zone, targetIP, bind.Addr, mailpit.SMTPPort, smtpCA.CAFile, filepath.Join(smtpDir, "username"), filepath.Join(smtpDir, "password"),
		webhook.URL, extra)), 0o644)).To(Succeed())
}

func startOperator() *harness.Process {
	p, err := harness.Start(workDir, "operator", managerBin, []string{
		"--config=" + operatorCfg, "--kubeconfig=" + operatorKC, "--health-probe-bind-address=0", "--zap-devel",
		"--metrics-bind-address=" + metricsAddr, "--metrics-secure=false"})
	Expect(err).NotTo(HaveOccurred())
	return p
}

var _ = AfterSuite(func() {
	if portal != nil {
		portal.Stop()
	}
	if provider != nil {
		_ = provider.Close()
	}
	operator.Stop()
	externalDNS.Stop()
	if mailpit != nil {
		mailpit.Stop()
	}
	if webhook != nil {
		webhook.Close()
	}
	if bind != nil {
		bind.Stop()
	}
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
	if CurrentSpecReport().Failed() || os.Getenv("KEEP_E2E") != "" {
		GinkgoWriter.Println("logs kept in", workDir)
	} else {
		_ = os.RemoveAll(workDir)
	}
})

var _ = ReportAfterEach(func(r SpecReport) {
	if r.Failed() {
		for _, p := range []*harness.Process{operator, externalDNS, portal} {
			if p != nil {
				AddReportEntry(p.Name+" log", lastLines(p.Log(), 60))
			}
		}
	}
})

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// kubectl runs the pinned kubectl as a user.
func kubectl(user string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", kubeconfigs[user]}, args...)...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustKubectl(user string, args ...string) string {
	out, err := kubectl(user, args...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	return out
}

// approveAll has the three officials annotate, in order, each as themselves.
func approveAll(name string) {
	for _, a := range [][2]string{{"budi", "kepala-dinas"}, {"agus", "kepala-bidang-informatika"}, {"dewi", "kepala-seksi-ti-persandian"}} {
		mustKubectl(a[0], "annotate", "sdr", name, hostingv1.ApprovalAnnotationPrefix+a[1]+"="+a[0])
	}
}

func getSDR(name string) *hostingv1.SubdomainRequest {
	s := &hostingv1.SubdomainRequest{}
	ExpectWithOffset(1, admin.Get(ctx, client.ObjectKey{Name: name}, s)).To(Succeed())
	return s
}

func phaseOf(name string) func() hostingv1.Phase {
	return func() hostingv1.Phase {
		s := &hostingv1.SubdomainRequest{}
		if err := admin.Get(ctx, client.ObjectKey{Name: name}, s); err != nil {
			return ""
		}
		return s.Status.Phase
	}
}

func dig(name string) func() []string {
	return func() []string {
		ans, err := harness.DigShort(ctx, bind.Addr, name+"."+zone)
		if err != nil {
			return []string{err.Error()}
		}
		return ans
	}
}

func digStatus(name string) func() string {
	return func() string {
		out, _ := harness.DigAt(ctx, bind.Addr, name+"."+zone)
		for _, l := range strings.Split(out, "\n") {
			if i := strings.Index(l, "status: "); i >= 0 {
				return strings.TrimRight(strings.Fields(l[i+8:])[0], ",")
			}
		}
		return out
	}
}

// request writes a manifest for a request and applies it as the applicant.
func applyRequest(name, subdomain, policy string) {
	manifest := fmt.Sprintf(`apiVersion: hosting.kuduskab.go.id/v1alpha1
kind: SubdomainRequest
metadata:
  name: %s
spec:
  subdomain: %s
  applicant: {unit: Dinas Uji %s, contactName: Tester, email: %s@kuduskab.go.id, group: "opd:%s"}
  letter: {number: "555/%s/2026", date: "2026-11-28"}
  purpose: Pengujian
  deletionPolicy: %s
`, name, subdomain, name, name, name, name, policy)
	path := filepath.Join(workDir, name+".yaml")
	ExpectWithOffset(1, os.WriteFile(path, []byte(manifest), 0o644)).To(Succeed())
	mustKubectl("pemohon-dinkes", "apply", "-f", path)
}
