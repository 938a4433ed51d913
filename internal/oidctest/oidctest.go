// Package oidctest is an OpenID Connect provider for tests and the demo: it serves
// HTTPS on 127.0.0.1 with a certificate from a CA made at start, knows the users and
// clients it is started with, and issues RS256 ID tokens through the authorization
// code flow with PKCE (S256), the flow the portal uses, from a plain HTML login form.
//
// It is written with the standard library and go-jose rather than zitadel/oidc's op
// package: that package wants an op.Storage, op.AuthRequest and op.Client of some
// fifty methods between them (and still a login page of one's own) and, at v3.52.0,
// raises fourteen of this module's pins (golang.org/x/*, OpenTelemetry, logr); the
// part of OpenID Connect that a JWT authenticator and a portal use fits in this file.
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
	"math/big"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// User is a person the provider knows.
type User struct {
	// Name is the login name and the preferred_username claim.
	Name     string
	Password string
	// Email and DisplayName default to <name>@example.test and the name.
	Email       string
	DisplayName string
	Groups      []string
}

// Client is an application the provider issues tokens to. A client without a
// secret is public (the portal in a browser, a test); every client must use PKCE.
type Client struct {
	ID           string
	Secret       string
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
	mu      sync.Mutex
	pending map[string]authRequest // login forms shown, by their id
	codes   map[string]authRequest // codes issued, by code
}

// authRequest is an authorization request, from the login form to the code's use.
type authRequest struct {
	clientID, redirectURL, state, nonce, challenge string
	user                                           string
	expires                                        time.Time
}

const (
	pathAuthorize = "/authorize"
	pathToken     = "/token"
	pathKeys      = "/keys"
	codeLifetime  = time.Minute
	loginLifetime = 10 * time.Minute
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
	p := &Provider{opts: opts, key: key, keyID: randomString(8),
		pending: map[string]authRequest{}, codes: map[string]authRequest{}}
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

	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET "+pathKeys, p.keys)
	mux.HandleFunc("GET "+pathAuthorize, p.authorize)
	mux.HandleFunc("POST "+pathAuthorize, p.login)
	mux.HandleFunc("POST "+pathToken, p.token)
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + pathAuthorize,
		"token_endpoint":                        p.Issuer + pathToken,
		"jwks_uri":                              p.Issuer + pathKeys,
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "groups"},
		"token_endpoint_auth_methods_supported": []string{"none", "client_secret_basic", "client_secret_post"},
		"claims_supported": []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
			"email", "email_verified", "name", "preferred_username", "groups"},
	})
}

func (p *Provider) keys(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &p.key.PublicKey, KeyID: p.keyID, Algorithm: string(jose.RS256), Use: "sig"}}})
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
<input type="hidden" name="request" value="{{.Request}}">
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
// the redirects that follow a form's submission too, and the login answers with a
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
	_ = loginPage.Execute(w, map[string]string{"Action": pathAuthorize, "Request": request, "Error": message})
}

// redirectError sends an authorization error back to the client, as the
// specification asks once the redirect URL is known to be the client's.
func redirectError(w http.ResponseWriter, r *http.Request, redirectURL, state, code, description string) {
	u, _ := url.Parse(redirectURL)
	q := u.Query()
	q.Set("error", code)
	q.Set("error_description", description)
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// authorize checks an authorization request and shows the login form.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c, ok := p.client(q.Get("client_id"))
	if !ok {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirectURL := q.Get("redirect_uri")
	if !slices.Contains(c.RedirectURLs, redirectURL) {
		http.Error(w, "redirect_uri is not registered for this client", http.StatusBadRequest)
		return
	}
	state := q.Get("state")
	switch {
	case q.Get("response_type") != "code":
		redirectError(w, r, redirectURL, state, "unsupported_response_type", "only response_type=code is supported")
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		redirectError(w, r, redirectURL, state, "invalid_scope", "the openid scope is required")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		redirectError(w, r, redirectURL, state, "invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256")
	default:
		id := randomString(24)
		p.mu.Lock()
		for k, pending := range p.pending {
			if time.Now().After(pending.expires) {
				delete(p.pending, k)
			}
		}
		p.pending[id] = authRequest{clientID: c.ID, redirectURL: redirectURL, state: state, nonce: q.Get("nonce"),
			challenge: q.Get("code_challenge"), expires: time.Now().Add(loginLifetime)}
		p.mu.Unlock()
		p.renderLogin(w, http.StatusOK, id, redirectURL, "")
	}
}

// login checks the login form's user and password and sends the browser back to
// the client with a code.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	id := r.PostFormValue("request")
	p.mu.Lock()
	req, ok := p.pending[id]
	p.mu.Unlock()
	if !ok || time.Now().After(req.expires) {
		http.Error(w, "unknown or expired login request: start again from the application", http.StatusBadRequest)
		return
	}
	u, ok := p.user(r.PostFormValue("username"))
	if !ok || subtle.ConstantTimeCompare([]byte(u.Password), []byte(r.PostFormValue("password"))) != 1 {
		p.renderLogin(w, http.StatusUnauthorized, id, req.redirectURL, "Wrong user name or password.")
		return
	}
	code := randomString(24)
	req.user = u.Name
	req.expires = time.Now().Add(codeLifetime)
	p.mu.Lock()
	delete(p.pending, id)
	p.codes[code] = req
	p.mu.Unlock()
	target, _ := url.Parse(req.redirectURL)
	q := target.Query()
	q.Set("code", code)
	if req.state != "" {
		q.Set("state", req.state)
	}
	target.RawQuery = q.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
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

func tokenError(w http.ResponseWriter, status int, code, description string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
	}
	writeJSON(w, status, &TokenError{Code: code, Description: description})
}

// token exchanges a code and its PKCE verifier for an ID token.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "authorization_code" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if basic {
		clientID, _ = url.QueryUnescape(clientID)
		secret, _ = url.QueryUnescape(secret)
	} else {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := p.client(clientID)
	if !ok || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong client secret")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	req, ok := p.codes[code]
	delete(p.codes, code) // a code is used once, whatever the outcome
	p.mu.Unlock()
	switch {
	case !ok || time.Now().After(req.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
	case req.clientID != c.ID:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code was issued to another client")
	case req.redirectURL != r.PostForm.Get("redirect_uri"):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
	case !verifierMatches(r.PostForm.Get("code_verifier"), req.challenge):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)")
	default:
		now := time.Now()
		idToken, err := p.sign(c.ID, req.user, req.nonce, now, now.Add(p.opts.TokenLifetime))
		if err != nil {
			tokenError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": randomString(32), "token_type": "Bearer",
			"expires_in": int(p.opts.TokenLifetime.Seconds()), "id_token": idToken})
	}
}

// verifierMatches checks a PKCE verifier (RFC 7636: 43 to 128 unreserved
// characters) against an S256 challenge.
func verifierMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
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
	return p.Exchange(ctx, clientID, "", redirectURL, code, verifier)
}

// AuthorizationCode performs the browser's part of the flow: it opens the
// authorization endpoint, posts the login form it shows, and returns the code from
// the redirect to redirectURL (which is not followed).
func (p *Provider) AuthorizationCode(ctx context.Context, clientID, redirectURL, user, password, challenge string) (string, error) {
	hc := p.HTTPClient()
	state := randomString(16)
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURL},
		"scope": {"openid profile email groups"}, "state": {state}, "nonce": {randomString(16)},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	page, resp, err := get(ctx, hc, p.Issuer+pathAuthorize+"?"+q.Encode())
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("authorization endpoint: %s: %s", resp.Status, page)
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(fields.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	page, resp, err = do(hc, req)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusFound {
		return "", fmt.Errorf("login form: %s: %s", resp.Status, page)
	}
	loc, err := resp.Location()
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(loc.String(), redirectURL) {
		return "", fmt.Errorf("login redirected to %s, not to %s", loc, redirectURL)
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

// Exchange performs the client's part of the flow: it exchanges a code and its
// PKCE verifier for the ID token. A refusal is a *TokenError.
func (p *Provider) Exchange(ctx context.Context, clientID, clientSecret, redirectURL, code, verifier string) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURL},
		"client_id": {clientID}, "code_verifier": {verifier}}
	if clientSecret != "" {
		form.Set("client_secret", clientSecret)
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

func get(ctx context.Context, hc *http.Client, u string) ([]byte, *http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	return do(hc, req)
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
