// Package oidctest is an OpenID Connect provider for tests and the demo, built on
// zitadel/oidc's op package (the provider's endpoints: discovery, keys, the
// authorization code flow with PKCE, the token endpoint). This package adds what op
// leaves to its user: it serves HTTPS on 127.0.0.1 with a certificate from a CA made
// at start, keeps the users, the public clients, the pending logins and the codes in
// memory (op.Storage), and shows a plain HTML login form.
//
// Its policy is that of a provider a portal can trust: every client is public and
// must use PKCE with S256, a code is spent by its first use (whatever the outcome),
// and the ID token carries preferred_username, name, email and the groups claim (for
// the scope groups), which the API server's JWT authenticator maps to a user.
package oidctest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person the provider knows.
type User struct {
	// Name is the login name, the subject and the preferred_username claim.
	Name     string
	Password string
	// Email and DisplayName default to <name>@example.test and the name.
	Email       string
	DisplayName string
	Groups      []string
}

// Client is an application the provider issues tokens to: a public client (the
// portal in a browser, a test), which must use PKCE.
type Client struct {
	ID           string
	RedirectURLs []string
}

// Options configure a provider.
type Options struct {
	// Addr is the address to listen on; 127.0.0.1 and a free port when empty.
	Addr    string
	Users   []User
	Clients []Client
	// TokenLifetime is the ID token's lifetime; 1 hour when zero.
	TokenLifetime time.Duration
}

// Provider is a running OpenID Connect provider.
type Provider struct {
	// Issuer is the issuer URL (https://127.0.0.1:<port>), the iss claim of its tokens.
	Issuer string
	// CAPEM is the PEM of the CA that signed the provider's serving certificate.
	CAPEM []byte

	opts    Options
	key     *rsa.PrivateKey
	keyID   string
	signer  jose.Signer
	certs   *x509.CertPool
	server  *http.Server
	op      *op.Provider
	storage *storage
}

const (
	// LoginPath is the provider's login form; the authorization endpoint
	// (/authorize) sends the browser there.
	LoginPath     = "/login"
	pathAuthorize = "/authorize"
	pathToken     = "/oauth/token"
	pathKeys      = "/keys"
	codeLifetime  = time.Minute
	loginLifetime = 10 * time.Minute
	// scopeGroups asks for the groups claim.
	scopeGroups = "groups"
)

// Start starts a provider; Close stops it.
func Start(opts Options) (*Provider, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = time.Hour
	}
	for i := range opts.Users {
		u := &opts.Users[i]
		if u.Email == "" {
			u.Email = u.Name + "@example.test"
		}
		if u.DisplayName == "" {
			u.DisplayName = u.Name
		}
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	p := &Provider{opts: opts, key: key, keyID: randomString(8)}
	p.storage = &storage{p: p, requests: map[string]*authRequest{}, codes: map[string]code{}}
	p.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.keyID))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	caPEM, cert, err := serving(host)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	p.CAPEM = caPEM
	p.certs = x509.NewCertPool()
	p.certs.AppendCertsFromPEM(caPEM)
	p.Issuer = "https://" + ln.Addr().String()

	config := &op.Config{CodeMethodS256: true, SupportedScopes: []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, scopeGroups},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "name", "preferred_username",
			"email", "email_verified", "groups"}}
	if _, err := rand.Read(config.CryptoKey[:]); err != nil {
		_ = ln.Close()
		return nil, err
	}
	p.op, err = op.NewProvider(config, p.storage, op.StaticIssuer(p.Issuer), op.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(LoginPath, op.NewIssuerInterceptor(p.op.IssuerFromRequest).HandlerFunc(p.login))
	mux.Handle("/", p.op)
	p.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go func() { _ = p.server.ServeTLS(ln, "", "") }()
	return p, nil
}

// Close stops the provider.
func (p *Provider) Close() error {
	return p.server.Close()
}

// HTTPClient is a client that trusts the provider's CA and follows no redirects.
func (p *Provider) HTTPClient() *http.Client {
	return &http.Client{
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: p.certs, MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// serving makes a CA and a serving certificate for host signed by it.
func serving(host string) ([]byte, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oidctest CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost"}}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (p *Provider) client(id string) (Client, bool) {
	for _, c := range p.opts.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

func (p *Provider) user(name string) (User, bool) {
	for _, u := range p.opts.Users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title></head>
<body>
<main>
<h1>Sign in</h1>
{{if .Error}}<p id="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="authRequestID" value="{{.Request}}">
<p><label for="username">User name</label> <input id="username" name="username" autocomplete="username" required autofocus></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body>
</html>
`))

// renderLogin shows the login form of a pending request. Its form-action also allows
// the origin of the client's redirect URL: browsers (Chromium) apply form-action to
// the redirects that follow a form's submission too, and the login ends with a
// redirect to the client.
func (p *Provider) renderLogin(w http.ResponseWriter, status int, request, redirectURL, message string) {
	formAction := "'self'"
	if u, err := url.Parse(redirectURL); err == nil && u.Scheme != "" && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action "+formAction)
	w.WriteHeader(status)
	_ = loginPage.Execute(w, map[string]string{"Action": LoginPath, "Request": request, "Error": message})
}

// login is the login form that op sends the browser to (Client.LoginURL): GET shows
// it for a pending authorization request, POST checks the user name and password,
// marks the request authenticated and hands it back to op's callback, which sends the
// browser to the client with a code.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("authRequestID")
	req, err := p.storage.pending(id)
	if err != nil {
		http.Error(w, "unknown or expired login request: start again from the application", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		p.renderLogin(w, http.StatusOK, id, req.redirectURI, "")
	case http.MethodPost:
		u, ok := p.user(r.PostFormValue("username"))
		if !ok || subtle.ConstantTimeCompare([]byte(u.Password), []byte(r.PostFormValue("password"))) != 1 {
			p.renderLogin(w, http.StatusUnauthorized, id, req.redirectURI, "Wrong user name or password.")
			return
		}
		if err := p.storage.authenticated(id, u.Name); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, op.AuthCallbackURL(p.op)(r.Context(), id), http.StatusFound)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// TokenError is an error response of the token endpoint (RFC 6749 section 5.2).
type TokenError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("token endpoint: %d %s: %s", e.Status, e.Code, e.Description)
}

// Claims are the claims of the provider's ID tokens.
type Claims struct {
	jwt.Claims
	AuthTime          *jwt.NumericDate `json:"auth_time,omitempty"`
	Nonce             string           `json:"nonce,omitempty"`
	Email             string           `json:"email"`
	EmailVerified     bool             `json:"email_verified"`
	Name              string           `json:"name"`
	PreferredUsername string           `json:"preferred_username"`
	Groups            []string         `json:"groups"`
}

// IDToken signs an ID token for a configured user and client valid from issuedAt
// to expiry, without a login: for tests of expired or not yet valid tokens.
func (p *Provider) IDToken(clientID, user string, issuedAt, expiry time.Time) (string, error) {
	return p.sign(clientID, user, "", issuedAt, expiry)
}

func (p *Provider) sign(clientID, user, nonce string, issuedAt, expiry time.Time) (string, error) {
	u, ok := p.user(user)
	if !ok {
		return "", fmt.Errorf("unknown user %q", user)
	}
	return SignClaims(p.signer, p.claims(clientID, u, nonce, issuedAt, expiry))
}

func (p *Provider) claims(clientID string, u User, nonce string, issuedAt, expiry time.Time) Claims {
	groups := u.Groups
	if groups == nil {
		groups = []string{}
	}
	return Claims{
		Claims: jwt.Claims{Issuer: p.Issuer, Subject: u.Name, Audience: jwt.Audience{clientID},
			IssuedAt: jwt.NewNumericDate(issuedAt), Expiry: jwt.NewNumericDate(expiry)},
		AuthTime: jwt.NewNumericDate(issuedAt), Nonce: nonce,
		Email: u.Email, EmailVerified: true, Name: u.DisplayName, PreferredUsername: u.Name, Groups: groups,
	}
}

// SignClaims serializes claims as a JWT signed by signer.
func SignClaims(signer jose.Signer, claims any) (string, error) {
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// PKCE returns a new code verifier and its S256 challenge.
func PKCE() (verifier, challenge string) {
	verifier = randomString(32) // 43 characters
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// Login logs a user in through the authorization code flow with PKCE, over HTTP
// as a browser would, and returns the ID token: tests of the API server need no
// browser.
func (p *Provider) Login(ctx context.Context, clientID, redirectURL, user, password string) (string, error) {
	verifier, challenge := PKCE()
	code, err := p.AuthorizationCode(ctx, clientID, redirectURL, user, password, challenge)
	if err != nil {
		return "", err
	}
	return p.Exchange(ctx, clientID, redirectURL, code, verifier)
}

// AuthorizationCode performs the browser's part of the flow: it opens the
// authorization endpoint, follows it to the login form, posts the form, follows the
// provider's redirects and returns the code from the redirect to redirectURL (which
// is not followed). An empty challenge asks without PKCE.
func (p *Provider) AuthorizationCode(ctx context.Context, clientID, redirectURL, user, password, challenge string) (string, error) {
	hc := p.HTTPClient()
	state := randomString(16)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURL},
		"scope": {"openid profile email groups"}, "state": {state}, "nonce": {randomString(16)}}
	if challenge != "" {
		q.Set("code_challenge", challenge)
		q.Set("code_challenge_method", "S256")
	}
	page, resp, err := p.follow(ctx, hc, http.MethodGet, p.Issuer+pathAuthorize+"?"+q.Encode(), nil, redirectURL)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", authorizationError(resp, page, redirectURL, state)
	}
	action, fields, err := parseForm(page)
	if err != nil {
		return "", err
	}
	fields.Set("username", user)
	fields.Set("password", password)
	target, err := resp.Request.URL.Parse(action)
	if err != nil {
		return "", err
	}
	page, resp, err = p.follow(ctx, hc, http.MethodPost, target.String(), fields, redirectURL)
	if err != nil {
		return "", err
	}
	loc, _ := resp.Location()
	if resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), redirectURL) {
		return "", fmt.Errorf("login form: %s: %s", resp.Status, page)
	}
	back := loc.Query()
	if e := back.Get("error"); e != "" {
		return "", fmt.Errorf("authorization: %s: %s", e, back.Get("error_description"))
	}
	if back.Get("state") != state {
		return "", errors.New("authorization: the state came back changed")
	}
	if back.Get("code") == "" {
		return "", fmt.Errorf("authorization: no code in %s", loc)
	}
	return back.Get("code"), nil
}

// authorizationError describes an authorization request that did not lead to the
// login form: refused at the provider, or sent back to the client with an error.
func authorizationError(resp *http.Response, page []byte, redirectURL, state string) error {
	loc, _ := resp.Location()
	if loc != nil && strings.HasPrefix(loc.String(), redirectURL) {
		back := loc.Query()
		if back.Get("state") != state {
			return fmt.Errorf("authorization: %s: %s (and the state came back changed)", back.Get("error"), back.Get("error_description"))
		}
		return fmt.Errorf("authorization: %s: %s", back.Get("error"), back.Get("error_description"))
	}
	return fmt.Errorf("authorization endpoint: %s: %s", resp.Status, page)
}

// follow sends a request and follows the provider's own redirects (to its login
// form, to its callback), stopping at one to the client's redirectURL.
func (p *Provider) follow(ctx context.Context, hc *http.Client, method, u string, form url.Values, redirectURL string) ([]byte, *http.Response, error) {
	for range 5 {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			return nil, nil, err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		page, resp, err := do(hc, req)
		if err != nil {
			return nil, nil, err
		}
		loc, err := resp.Location()
		if err != nil || strings.HasPrefix(loc.String(), redirectURL) || !strings.HasPrefix(loc.String(), p.Issuer+"/") {
			return page, resp, nil
		}
		method, u, form = http.MethodGet, loc.String(), nil
	}
	return nil, nil, fmt.Errorf("too many redirects at the provider from %s", u)
}

// Exchange performs the client's part of the flow: it exchanges a code and its
// PKCE verifier for the ID token, as a public client. A refusal is a *TokenError.
func (p *Provider) Exchange(ctx context.Context, clientID, redirectURL, code, verifier string) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURL},
		"client_id": {clientID}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Issuer+pathToken, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, resp, err := do(p.HTTPClient(), req)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		te := &TokenError{Status: resp.StatusCode}
		if err := json.Unmarshal(body, te); err != nil || te.Code == "" {
			return "", fmt.Errorf("token endpoint: %s: %s", resp.Status, body)
		}
		return "", te
	}
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.IDToken == "" {
		return "", fmt.Errorf("token endpoint: no id_token in %s", body)
	}
	return tok.IDToken, nil
}

func do(hc *http.Client, req *http.Request) ([]byte, *http.Response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	var b strings.Builder
	if _, err := io.Copy(&b, io.LimitReader(resp.Body, 1<<20)); err != nil {
		return nil, nil, err
	}
	return []byte(b.String()), resp, nil
}

var (
	formTag   = regexp.MustCompile(`<form[^>]*\baction="([^"]*)"`)
	hiddenTag = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

// parseForm reads the action and the hidden fields of the login form.
func parseForm(page []byte) (string, url.Values, error) {
	m := formTag.FindSubmatch(page)
	if m == nil {
		return "", nil, fmt.Errorf("no form in the login page: %s", page)
	}
	fields := url.Values{}
	for _, h := range hiddenTag.FindAllSubmatch(page, -1) {
		fields.Set(html.UnescapeString(string(h[1])), html.UnescapeString(string(h[2])))
	}
	return html.UnescapeString(string(m[1])), fields, nil
}
