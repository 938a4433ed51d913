package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// portalClientID is the portal's client at the demo's provider, and the audience the
// API server's JWT authenticator expects.
const portalClientID = "subdomain-portal"

// demoPortal is the portal the demo runs, on plain HTTP on the loopback.
type demoPortal struct {
	url      string // http://127.0.0.1:<port>, without a trailing slash
	listen   string
	caFile   string // the provider's CA, for the portal and for whoever wants to trust it
	provider *oidctest.Provider
	process  *harness.Process
}

func newDemoPortal(dir string, port int) *demoPortal {
	listen := fmt.Sprintf("127.0.0.1:%d", port)
	return &demoPortal{url: "http://" + listen, listen: listen, caFile: filepath.Join(dir, "oidc-ca.crt")}
}

// start binds the roles to the demo's groups, waits until the API server accepts the
// provider's tokens, and starts bin/portal. The portal gets the API server's address
// and CA only, no credential.
func (p *demoPortal) start(ctx context.Context, st *stack, bin string, env *testenv.Env) error {
	for _, l := range oidctest.Cast {
		for _, g := range l.Groups {
			if err := env.BindGroup(ctx, l.Role, g); err != nil {
				return err
			}
		}
	}
	if err := p.waitForJWTAuthenticator(ctx, env); err != nil {
		return err
	}
	apiCA := filepath.Join(filepath.Dir(p.caFile), "apiserver-ca.crt")
	if err := os.WriteFile(apiCA, env.Config.CAData, 0o644); err != nil {
		return err
	}
	proc, err := harness.Start(filepath.Dir(p.caFile), "portal", bin, []string{
		"--listen=" + p.listen,
		"--issuer-url=" + p.provider.Issuer, "--issuer-ca-file=" + p.caFile,
		"--client-id=" + portalClientID, "--redirect-url=" + p.url + "/auth/callback",
		"--api-server=" + env.Config.Host, "--api-server-ca-file=" + apiCA,
		"--base-domain=" + zone,
		// Plain HTTP on the loopback: a Secure cookie would not come back.
		"--cookie-secure=false",
	})
	if err != nil {
		return err
	}
	st.processes = append(st.processes, proc)
	p.process = proc
	hc := &http.Client{Timeout: 5 * time.Second}
	return harness.WaitFor(ctx, proc, time.Minute, "the portal", func() error {
		resp, err := hc.Get(p.url + "/healthz")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return errors.New(resp.Status)
		}
		return nil
	})
}

// waitForJWTAuthenticator waits until the API server has read the provider's keys:
// a token of the auditor, from a login through the code flow, is taken for oidc:ratna.
func (p *demoPortal) waitForJWTAuthenticator(ctx context.Context, env *testenv.Env) error {
	token, err := p.provider.Login(ctx, portalClientID, p.url+"/auth/callback", "ratna", "ratna-rahasia")
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(env.TokenConfig(token))
	if err != nil {
		return err
	}
	return harness.WaitFor(ctx, nil, time.Minute, "the API server's JWT authenticator", func() error {
		r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			return err
		}
		if r.Status.UserInfo.Username != testenv.OIDCPrefix+"ratna" {
			return fmt.Errorf("the token is taken for %q", r.Status.UserInfo.Username)
		}
		return nil
	})
}

var (
	formTag    = regexp.MustCompile(`<form[^>]*\baction="([^"]*)"`)
	hiddenTag  = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	loggedIn   = regexp.MustCompile(`Anda masuk sebagai [^<]*\(nama pengguna di server API: [^)<]*\)\.`)
	requestRef = regexp.MustCompile(`<td><a href="/permohonan/([a-z0-9-]+)">`)
)

// check does what a browser does: the portal's home page, the login through the
// provider's form, the logged-in home page and the register, printing each step.
func (p *demoPortal) check(ctx context.Context, user string) error {
	password := oidctest.CastPassword(user)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.provider.CAPEM)
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}},
		// Redirects are followed one by one below, to show them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, u string, form url.Values) (*http.Response, string, error) {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			return nil, "", err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	expect := func(resp *http.Response, status int, what string) error {
		if resp.StatusCode != status {
			return fmt.Errorf("%s: %s, not %d", what, resp.Status, status)
		}
		return nil
	}
	location := func(resp *http.Response) string {
		l, err := resp.Location()
		if err != nil {
			return ""
		}
		return l.String()
	}
	// atProvider follows the provider's redirects within itself (from its
	// authorization endpoint to its login form, from the login to its callback).
	atProvider := func(resp *http.Response, page string) (*http.Response, string, error) {
		for l := location(resp); strings.HasPrefix(l, p.provider.Issuer+"/"); l = location(resp) {
			var err error
			if resp, page, err = do(http.MethodGet, l, nil); err != nil {
				return nil, "", err
			}
		}
		return resp, page, nil
	}

	resp, _, err := do(http.MethodGet, p.url+"/", nil)
	if err != nil {
		return err
	}
	if err := expect(resp, http.StatusOK, "GET /"); err != nil {
		return err
	}
	fmt.Printf("GET %s/ -> %s\n", p.url, resp.Status)

	resp, _, err = do(http.MethodGet, p.url+"/masuk", nil)
	if err != nil {
		return err
	}
	masuk := resp.Status
	authorize := location(resp)
	if !strings.HasPrefix(authorize, p.provider.Issuer+"/authorize?") {
		return fmt.Errorf("GET /masuk: %s to %q, not to the provider's %s/authorize", resp.Status, authorize, p.provider.Issuer)
	}
	resp, page, err := do(http.MethodGet, authorize, nil)
	if err == nil {
		resp, page, err = atProvider(resp, page)
	}
	if err != nil {
		return err
	}
	if err := expect(resp, http.StatusOK, "the provider's login form"); err != nil {
		return err
	}
	m := formTag.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("no form on the provider's login page: %s", page)
	}
	fmt.Printf("GET %s/masuk -> %s to the provider, %s/authorize -> its login form %s%s -> %s\n", p.url, masuk, p.provider.Issuer,
		p.provider.Issuer, resp.Request.URL.Path, resp.Status)

	fields := url.Values{}
	for _, h := range hiddenTag.FindAllStringSubmatch(page, -1) {
		fields.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	fields.Set("username", user)
	fields.Set("password", password)
	action, err := resp.Request.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return err
	}
	resp, page, err = do(http.MethodPost, action.String(), fields)
	if err == nil {
		resp, _, err = atProvider(resp, page)
	}
	if err != nil {
		return err
	}
	callback := location(resp)
	if !strings.HasPrefix(callback, p.url+"/auth/callback?") {
		return fmt.Errorf("the login as %s: %s to %q, not to the portal's callback", user, resp.Status, callback)
	}
	resp, _, err = do(http.MethodGet, callback, nil)
	if err != nil {
		return err
	}
	if next := location(resp); next != "/" && next != p.url+"/" {
		return fmt.Errorf("the portal's callback: %s to %q, not to /", resp.Status, next)
	}
	resp, page, err = do(http.MethodGet, p.url+"/", nil)
	if err != nil {
		return err
	}
	if err := expect(resp, http.StatusOK, "GET / after the login"); err != nil {
		return err
	}
	who := loggedIn.FindString(page)
	if !strings.Contains(who, testenv.OIDCPrefix+user) {
		return fmt.Errorf("the home page after the login does not name %s%s", testenv.OIDCPrefix, user)
	}
	fmt.Printf("%s logs in at the provider -> back at %s/: %q\n", user, p.url, html.UnescapeString(who))

	resp, page, err = do(http.MethodGet, p.url+"/register", nil)
	if err != nil {
		return err
	}
	if err := expect(resp, http.StatusOK, "GET /register"); err != nil {
		return err
	}
	var names []string
	for _, r := range requestRef.FindAllStringSubmatch(page, -1) {
		names = append(names, r[1])
	}
	if len(names) == 0 {
		return errors.New("the register lists no request")
	}
	fmt.Printf("GET %s/register -> %s, the register lists: %s\n", p.url, resp.Status, strings.Join(names, ", "))
	return nil
}

// printLogins prints the portal's URL, the demo's logins and what the browser will say
// of the provider's certificate.
func (p *demoPortal) printLogins() {
	step("The portal: " + p.url + "/")
	fmt.Printf("\n    Demo logins (user / password / role):\n")
	for _, l := range oidctest.Cast {
		fmt.Printf("      %-5s / %-13s / %s (group %s)\n", l.Name, l.Password, l.Title, strings.Join(l.Groups, ", "))
	}
	fmt.Printf(`
    The login page is the demo's own OpenID Connect provider, %[1]s, whose
    certificate is signed by a CA made when the demo started (%[2]s),
    which no browser trusts: the browser warns that the connection is not private.
    Continue to 127.0.0.1 anyway (or import that CA); only the login page is concerned.
    The portal itself is plain HTTP on 127.0.0.1 (cookies without Secure) for this demo;
    in a cluster it is served over HTTPS. It acts with each person's own ID token, and
    the API server names them oidc:<user>: other users than the kubectl steps' above,
    which used client certificates. Try: file a request as siti, then approve it as
    budi, agus and dewi, in that order; ratna reads the register and its CSV.
`, p.provider.Issuer, p.caFile)
}
