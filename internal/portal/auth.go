package portal

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	csrfField = "csrf"
	// loginLifetime bounds the time between leaving for the provider and coming back.
	loginLifetime = 10 * time.Minute
)

// oidcClient is the provider as discovered, the verifier of its ID tokens and the
// OAuth 2.0 configuration of the code flow.
type oidcClient struct {
	httpClient *http.Client
	verifier   *oidc.IDTokenVerifier
	oauth      oauth2.Config
}

// provider discovers the OpenID Connect provider once; a failure is tried again at
// the next login.
func (s *Server) provider(ctx context.Context) (*oidcClient, error) {
	s.oidcMu.Lock()
	defer s.oidcMu.Unlock()
	if s.oidc != nil {
		return s.oidc, nil
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(s.cfg.IssuerCA) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(s.cfg.IssuerCA)
		tlsConfig.RootCAs = pool
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: http.ProxyFromEnvironment}}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), s.cfg.IssuerURL)
	if err != nil {
		return nil, fmt.Errorf("discovering the OpenID Connect provider %s: %w", s.cfg.IssuerURL, err)
	}
	s.oidc = &oidcClient{
		httpClient: hc,
		verifier:   p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID}),
		oauth: oauth2.Config{ClientID: s.cfg.ClientID, Endpoint: p.Endpoint(), RedirectURL: s.cfg.RedirectURL,
			Scopes: []string{oidc.ScopeOpenID, "profile", "email", "groups"}},
	}
	return s.oidc, nil
}

// pendingLogin is a login in progress: what the callback must find again.
type pendingLogin struct {
	state, nonce, verifier, next string
	expires                      time.Time
}

// loginStore holds the logins in progress, by the random id of the browser's login cookie.
type loginStore struct {
	mu      sync.Mutex
	pending map[string]pendingLogin
}

func newLoginStore() *loginStore { return &loginStore{pending: map[string]pendingLogin{}} }

func (l *loginStore) put(id string, p pendingLogin) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, v := range l.pending {
		if time.Now().After(v.expires) {
			delete(l.pending, k)
		}
	}
	l.pending[id] = p
}

// take removes and returns a login in progress: a state is good for one callback.
func (l *loginStore) take(id string) (pendingLogin, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.pending[id]
	delete(l.pending, id)
	return p, ok && time.Now().Before(p.expires)
}

// session is a logged-in user.
type session struct {
	id      string
	idToken string
	// expires is the ID token's expiry: the session ends with it.
	expires time.Time
	// user is the user name as the API server sees it (e.g. oidc:budi), and groups its
	// groups, both from a SelfSubjectReview made with the token at login.
	user   string
	groups []string
	// displayName is the token's name claim; tokenGroups its groups claim, as the
	// provider wrote them (the form offers them as the unit's group).
	displayName string
	tokenGroups []string
	csrf        string
	kube        *kubeClients

	mu        sync.Mutex
	abilities *abilities
	checkedAt time.Time
}

func (s *session) csrfValid(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1
}

// sessionStore keeps the sessions in memory: a restart logs everybody out.
type sessionStore struct {
	mu       sync.Mutex
	sessions map[string]*session
}

func newSessionStore() *sessionStore { return &sessionStore{sessions: map[string]*session{}} }

func (st *sessionStore) put(s *session, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, other := range st.sessions {
		if !now.Before(other.expires) {
			delete(st.sessions, id)
		}
	}
	st.sessions[s.id] = s
}

func (st *sessionStore) get(id string, now time.Time) *session {
	if id == "" {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	s, ok := st.sessions[id]
	if !ok {
		return nil
	}
	if !now.Before(s.expires) {
		delete(st.sessions, id)
		return nil
	}
	return s
}

func (st *sessionStore) remove(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.sessions, id)
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookieName prefixes a cookie with __Host- when it is Secure, so that it is bound
// to the portal's host and path /.
func (s *Server) cookieName(name string) string {
	if s.cfg.CookieSecure {
		return "__Host-" + name
	}
	return name
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	c := &http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", HttpOnly: true,
		Secure: s.cfg.CookieSecure, SameSite: http.SameSiteLaxMode}
	if value == "" {
		c.MaxAge = -1
	} else if !expires.IsZero() {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

func (s *Server) cookie(r *http.Request, name string) string {
	c, err := r.Cookie(s.cookieName(name))
	if err != nil {
		return ""
	}
	return c.Value
}

func (s *Server) sessionID(r *http.Request) string { return s.cookie(r, "portal-session") }

// login sends the browser to the provider: authorization code flow with PKCE S256,
// a random state (checked against this browser's login cookie) and nonce (checked in
// the ID token).
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	l := s.language(w, r)
	ctx, cancel := apiContext(r)
	defer cancel()
	p, err := s.provider(ctx)
	if err != nil {
		s.log.Error("login: the OpenID Connect provider is not reachable", "error", err)
		s.render(w, r, http.StatusBadGateway, "error", &pageData{Lang: l, Title: l.t("err.title"), Message: l.t("err.provider")})
		return
	}
	id := randomID()
	pl := pendingLogin{state: randomID(), nonce: randomID(), verifier: oauth2.GenerateVerifier(),
		next: safeNext(r.URL.Query().Get("next")), expires: s.now().Add(loginLifetime)}
	s.logins.put(id, pl)
	s.setCookie(w, "portal-login", id, pl.expires)
	http.Redirect(w, r, p.oauth.AuthCodeURL(pl.state, oidc.Nonce(pl.nonce), oauth2.S256ChallengeOption(pl.verifier)), http.StatusFound)
}

// callback finishes the login: the state must be this browser's, the code is
// exchanged with the PKCE verifier, the ID token verified (issuer, audience, expiry,
// signature, nonce), and the API server asked who the token's bearer is.
func (s *Server) callback(w http.ResponseWriter, r *http.Request) {
	l := s.language(w, r)
	fail := func(status int, key string, logMsg string, args ...any) {
		s.log.Info("login refused: "+logMsg, args...)
		s.render(w, r, status, "error", &pageData{Lang: l, Title: l.t("err.title"), Message: l.t(key)})
	}
	loginID := s.cookie(r, "portal-login")
	s.setCookie(w, "portal-login", "", time.Time{})
	pl, ok := s.logins.take(loginID)
	q := r.URL.Query()
	switch {
	case !ok:
		fail(http.StatusBadRequest, "err.loginExpired", "no login in progress for this browser")
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pl.state)) != 1:
		fail(http.StatusBadRequest, "err.loginExpired", "the state does not match")
		return
	case q.Get("error") != "":
		fail(http.StatusBadRequest, "err.loginProvider", "the provider answered with an error", "error", q.Get("error"))
		return
	case q.Get("code") == "":
		fail(http.StatusBadRequest, "err.loginExpired", "no code")
		return
	}
	ctx, cancel := apiContext(r)
	defer cancel()
	p, err := s.provider(ctx)
	if err != nil {
		fail(http.StatusBadGateway, "err.provider", "the provider is not reachable", "error", err)
		return
	}
	ctx = oidc.ClientContext(ctx, p.httpClient)
	tok, err := p.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pl.verifier))
	if err != nil {
		fail(http.StatusBadGateway, "err.loginProvider", "exchanging the code failed", "error", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail(http.StatusBadGateway, "err.loginProvider", "the token response has no ID token")
		return
	}
	idToken, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		fail(http.StatusBadRequest, "err.loginProvider", "the ID token is not valid", "error", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(pl.nonce)) != 1 {
		fail(http.StatusBadRequest, "err.loginExpired", "the nonce does not match")
		return
	}
	var claims struct {
		Name              string   `json:"name"`
		PreferredUsername string   `json:"preferred_username"`
		Groups            []string `json:"groups"`
	}
	if err := idToken.Claims(&claims); err != nil {
		fail(http.StatusBadRequest, "err.loginProvider", "the ID token's claims are unreadable", "error", err)
		return
	}

	kube, err := newKubeClients(s.restConfig(raw))
	if err != nil {
		fail(http.StatusInternalServerError, "err.api", "making the user's API client failed", "error", err)
		return
	}
	review, err := kube.core.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		fail(http.StatusForbidden, "err.apiRefusedLogin", "the API server does not accept the user's ID token", "error", err)
		return
	}
	sess := &session{id: randomID(), idToken: raw, expires: idToken.Expiry, user: review.Status.UserInfo.Username,
		groups: review.Status.UserInfo.Groups, displayName: claims.Name, tokenGroups: claims.Groups, csrf: randomID(), kube: kube}
	if sess.displayName == "" {
		sess.displayName = claims.PreferredUsername
	}
	slices.SortStableFunc(sess.tokenGroups, func(a, b string) int {
		// The units' groups first: they are what the form's group field wants.
		return boolOrder(strings.HasPrefix(b, "opd:")) - boolOrder(strings.HasPrefix(a, "opd:"))
	})
	if old := s.sessionID(r); old != "" {
		s.sessions.remove(old)
	}
	s.sessions.put(sess, s.now())
	s.setCookie(w, "portal-session", sess.id, sess.expires)
	s.log.Info("logged in", "user", sess.user, "until", sess.expires.UTC().Format(time.RFC3339))
	http.Redirect(w, r, pl.next, http.StatusSeeOther)
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// logout ends the session (the portal keeps nothing else of the user).
func (s *Server) logout(w http.ResponseWriter, r *http.Request, sess *session) {
	s.sessions.remove(sess.id)
	s.setCookie(w, "portal-session", "", time.Time{})
	s.log.Info("logged out", "user", sess.user)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
