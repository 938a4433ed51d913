// Package demo runs `make demo ONCE=1`'s script as a newcomer would and checks what
// they would see, and that nothing it started is left running.
package demo

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
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

	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

func TestDemoOnce(t *testing.T) {
	root := testenv.RepoRoot()
	scratch := t.TempDir()
	// Every process the demo starts carries this folder in its command line: the data
	// folder for BIND, mailpit, external-dns and the operator, TMPDIR for envtest's etcd
	// and kube-apiserver.
	tmp := filepath.Join(scratch, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "hack", "demo.sh"), "-dir", filepath.Join(scratch, "demo"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "ONCE=1", "TMPDIR="+tmp)
	// The output is read as it comes, so that the metrics URL the demo prints is asked
	// while the demo still runs.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	metricsLine := regexp.MustCompile(`^Metrics: (http://127\.0\.0\.1:\d+/metrics)$`)
	// The portal's provider comes first (the API server trusts it from its start), then
	// the portal, asked as a browser would while the demo runs.
	providerLine := regexp.MustCompile(`^OpenID Connect provider: (https://127\.0\.0\.1:\d+) \(its CA: (\S+)\)$`)
	portalLine := regexp.MustCompile(`^Portal: (http://127\.0\.0\.1:\d+)/$`)
	var out strings.Builder
	var metricsURL, issuer, caFile, portalURL string
	metricsAnswer := make(chan error, 1)
	portalAnswer := make(chan error, 1)
	scanner := bufio.NewScanner(r)
	for scanner.Scan() {
		line := scanner.Text()
		out.WriteString(line + "\n")
		if m := metricsLine.FindStringSubmatch(line); m != nil && metricsURL == "" {
			metricsURL = m[1]
			go func() { metricsAnswer <- answers(metricsURL) }()
		}
		if m := providerLine.FindStringSubmatch(line); m != nil && issuer == "" {
			issuer, caFile = m[1], m[2]
		}
		if m := portalLine.FindStringSubmatch(line); m != nil && portalURL == "" && issuer != "" {
			portalURL = m[1]
			go func() { portalAnswer <- portalAnswers(portalURL, issuer, caFile) }()
		}
	}
	err = cmd.Wait()
	text := out.String()
	t.Logf("make demo ONCE=1 ran %s", time.Since(started).Round(time.Second))
	if err != nil {
		t.Fatalf("make demo ONCE=1 failed: %v\n%s", err, text)
	}
	if metricsURL == "" {
		t.Errorf("the demo's output lacks the line %q\n%s", metricsLine, text)
	} else if err := <-metricsAnswer; err != nil {
		t.Errorf("the demo's metrics URL %s: %v", metricsURL, err)
	}
	if portalURL == "" {
		t.Errorf("the demo's output lacks the lines %q and, after it, %q\n%s", providerLine, portalLine, text)
	} else if err := <-portalAnswer; err != nil {
		t.Errorf("the demo's portal %s: %v", portalURL, err)
	}
	// The portal's block: its URL, the five logins with their roles, and what the
	// browser will say of the provider's certificate; before it, the demo's own
	// login through the portal as the auditor, who reads the sample request in the
	// register.
	at := 0
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^GET ` + regexp.QuoteMeta(portalURL) + `/ -> 200 OK$`),
		regexp.MustCompile(`(?m)^GET ` + regexp.QuoteMeta(portalURL) + `/masuk -> 302 Found to the provider, ` + regexp.QuoteMeta(issuer) +
			`/authorize -> its login form ` + regexp.QuoteMeta(issuer+oidctest.LoginPath) + ` -> 200 OK$`),
		regexp.MustCompile(`(?m)^ratna logs in at the provider -> back at ` + regexp.QuoteMeta(portalURL) + `/: "Anda masuk sebagai Ratna Sari \(nama pengguna di server API: oidc:ratna\)\."$`),
		regexp.MustCompile(`(?m)^GET ` + regexp.QuoteMeta(portalURL) + `/register -> 200 OK, the register lists: dinkes$`),
		regexp.MustCompile(`(?m)^==> The portal: ` + regexp.QuoteMeta(portalURL) + `/$`),
		regexp.MustCompile(`(?m)^ +Demo logins \(user / password / role\):$`),
		regexp.MustCompile(`(?m)^ +siti +/ siti-rahasia +/ Pemohon \(applicant\), Dinas Kesehatan \(group opd:dinkes\)$`),
		regexp.MustCompile(`(?m)^ +budi +/ budi-rahasia +/ Kepala Dinas \(group diskominfo:kepala-dinas\)$`),
		regexp.MustCompile(`(?m)^ +agus +/ agus-rahasia +/ Kepala Bidang Informatika \(group diskominfo:kepala-bidang-informatika\)$`),
		regexp.MustCompile(`(?m)^ +dewi +/ dewi-rahasia +/ Kepala Seksi TI dan Persandian \(group diskominfo:kepala-seksi-ti-persandian\)$`),
		regexp.MustCompile(`(?m)^ +ratna +/ ratna-rahasia +/ Auditor \(group diskominfo:auditors\)$`),
		regexp.MustCompile(`(?m)^ +The login page is the demo's own OpenID Connect provider, ` + regexp.QuoteMeta(issuer) + `, whose\n` +
			` +certificate is signed by a CA made when the demo started \(` + regexp.QuoteMeta(caFile) + `\),\n` +
			` +which no browser trusts: the browser warns that the connection is not private\.$`),
		regexp.MustCompile(`(?m)^==> Done \(ONCE=1\): stopping everything$`),
	} {
		l := want.FindStringIndex(text[at:])
		if l == nil {
			t.Errorf("the demo's output lacks %q (in this order)\n%s", want, text)
			continue
		}
		at += l[1]
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^dinkes\.kuduskab\.go\.id\.\s+60\s+IN\s+A\s+192\.0\.2\.10$`),
		regexp.MustCompile(`(?m)^To: dinkes@kuduskab\.go\.id$`),
		regexp.MustCompile(`(?m)^Subject: Subdomain dinkes\.kuduskab\.go\.id sudah aktif / Your subdomain is ready$`),
		regexp.MustCompile(`Alamat situs   : https://dinkes\.kuduskab\.go\.id`),
		regexp.MustCompile(`(?m)^dinkes\s+dinkes\s+Dinas Kesehatan Kabupaten Kudus\s+Ready`),
		regexp.MustCompile(`budi`),
		regexp.MustCompile(`agus`),
		regexp.MustCompile(`dewi`),
		// The metrics, read by the demo at the end: the request Ready, the mail sent, the
		// DNS answered.
		regexp.MustCompile(`(?m)^subdomain_requests\{phase="Ready"\} 1$`),
		regexp.MustCompile(`(?m)^subdomain_notifications_total\{channel="email",result="sent"\} 1$`),
		regexp.MustCompile(`(?m)^subdomain_dns_checks_total\{result="answering"\} [1-9]`),
	} {
		if !want.MatchString(text) {
			t.Errorf("the demo's output lacks %q\n%s", want, text)
		}
	}
	// Before the stand-in: the request provisioned but not serving (the three parts
	// nobody in the demo runs are False, Ready is False NotServing) and no mail yet.
	// Then the demo says on screen that a stand-in writes those controllers' status.
	// After it: the parts True, the request Ready with its https URL, one mail.
	notice := regexp.MustCompile(`(?m)^ +This demo has no kubelet, no Gateway controller and no cert-manager\.\n` +
		` +A stand-in now writes the status they would write: Deployment web Available,\n` +
		` +the HTTPRoute web accepted by the Gateway, the Certificate web-tls Ready\.\n` +
		` +In a real cluster those controllers do it; here it is stood in for, not verified\n`)
	loc := notice.FindStringIndex(text)
	if loc == nil {
		t.Fatalf("the demo's output lacks the stand-in notice %q\n%s", notice, text)
	}
	before, after := text[:loc[0]], text[loc[1]:]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^dinkes\s+dinkes\s+Dinas Kesehatan Kabupaten Kudus\s+Provisioning\s+operator\s+False\s+http://dinkes\.kuduskab\.go\.id\s`),
		regexp.MustCompile(`(?m)^Ready=False NotServing: not serving yet: .*SiteAvailable .*RouteAccepted .*CertificateReady `),
		regexp.MustCompile(`(?m)^RouteAccepted=False RouteNotAccepted: HTTPRoute web .*Gateway gateway-system/sites`),
		regexp.MustCompile(`(?m)^CertificateReady=False CertificateNotReady: Certificate web-tls `),
		regexp.MustCompile(`(?m)^SiteAvailable=False SiteUnavailable: Deployment web `),
		regexp.MustCompile(`(?m)^# The applicant's inbox \(mailpit, http://127\.0\.0\.1:\d+\): 0 messages: no mail until the site serves$`),
	} {
		if !want.MatchString(before) {
			t.Errorf("the demo's output before the stand-in lacks %q\n%s", want, before)
		}
	}
	if regexp.MustCompile(`(?m)^Subject: |^Ready=True `).MatchString(before) {
		t.Errorf("the demo shows a mail or Ready=True before the stand-in\n%s", before)
	}
	at = 0
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^operator: SiteAvailable=True SiteAvailable: Deployment web-dinkes/web is available$`),
		regexp.MustCompile(`(?m)^operator: RouteAccepted=True RouteAccepted: HTTPRoute web-dinkes/web is accepted by Gateway gateway-system/sites and ListenerSet web-dinkes/web$`),
		regexp.MustCompile(`(?m)^operator: CertificateReady=True CertificateIssued: Certificate web-dinkes/web-tls is issued by ClusterIssuer kudus-ca$`),
		regexp.MustCompile(`(?m)^dinkes\s+dinkes\s+Dinas Kesehatan Kabupaten Kudus\s+Ready\s+True\s+https://dinkes\.kuduskab\.go\.id\s`),
		regexp.MustCompile(`(?m)^Ready=True Provisioned: the site serves and its name resolves: https://dinkes\.kuduskab\.go\.id$`),
		regexp.MustCompile(`(?m)^# The applicant's inbox \(mailpit, http://127\.0\.0\.1:\d+\): 1 message$`),
	} {
		l := want.FindStringIndex(after[at:])
		if l == nil {
			t.Errorf("the demo's output after the stand-in lacks %q (in this order)\n%s", want, after)
			continue
		}
		at += l[1]
	}
	if left := processesMentioning(scratch); len(left) > 0 {
		t.Errorf("processes left running after the demo:\n%s", strings.Join(left, "\n"))
	}
}

// answers asks the metrics URL while the demo runs and checks it is the operator's.
func answers(url string) error {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	// Series that exist from the operator's start.
	for _, name := range []string{"subdomain_notifications_total{", "subdomain_dns_checks_total{", "subdomain_reconcile_errors_total{"} {
		if !strings.Contains(string(body), name) {
			return fmt.Errorf("no %s among its %d bytes", name, len(body))
		}
	}
	return nil
}

// portalAnswers asks the portal while the demo runs, as a browser would: its home page
// in Bahasa Indonesia with the login link, and the login, which sends the browser to
// the provider's login form (trusted with the CA file the demo printed).
func portalAnswers(portalURL, issuer, caFile string) error {
	hc := &http.Client{Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(portalURL + "/")
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /: %s", resp.Status)
	}
	for _, want := range []string{`<html lang="id">`, `href="/masuk"`, "Masuk dengan akun Pemerintah Kabupaten Kudus"} {
		if !strings.Contains(string(body), want) {
			return fmt.Errorf("GET /: no %q in\n%s", want, body)
		}
	}
	resp, err = hc.Get(portalURL + "/masuk")
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	login := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(login, issuer+"/authorize?") {
		return fmt.Errorf("GET /masuk: %s to %q, not to %s/authorize", resp.Status, login, issuer)
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("the provider's CA the demo printed: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(ca) {
		return fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	// The authorization endpoint sends the browser on to the provider's login form.
	hc.CheckRedirect = nil
	resp, err = hc.Get(login)
	if err != nil {
		return fmt.Errorf("the provider's login form, with the printed CA: %w", err)
	}
	body, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != oidctest.LoginPath || !strings.Contains(string(body), `name="password"`) {
		return fmt.Errorf("the provider's login form: %s\n%s", resp.Status, body)
	}
	return nil
}

// processesMentioning lists the running processes whose command line contains s.
func processesMentioning(s string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		line := strings.ReplaceAll(string(cmdline), "\x00", " ")
		if strings.Contains(line, s) {
			found = append(found, e.Name()+": "+line)
		}
	}
	return found
}
