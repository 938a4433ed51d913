// Package portal is the web portal of the subdomain procedure: server-rendered HTML in
// Bahasa Indonesia (English with ?lang=en), where the applicant units file the SOP's
// form and follow their requests, the three Diskominfo officials approve or reject, and
// auditors read and download the register.
//
// Identity without privilege: users log in with the regency's OpenID Connect provider
// (authorization code flow with PKCE S256, state and nonce checked) and every call to
// the API server is made with the user's own ID token as bearer token, so RBAC and the
// admission policies decide for the portal exactly as they do for kubectl. The portal
// has no credentials of its own for the API server: it knows only its address and CA.
// What a user sees follows what the API server lets them do (SelfSubjectAccessReviews
// as the user), not a role table of the portal's own.
//
// Routes (paths in Indonesian, as the users read them in the address bar):
//
//	GET  /                              home: who you are and what you can do
//	GET  /masuk                         start the login at the OpenID Connect provider
//	GET  <path of --redirect-url>       the provider's redirect back (default /auth/callback)
//	POST /keluar                        log out (CSRF token)
//	GET  /permohonan/baru               the applicant's form (Pemohon)
//	POST /permohonan                    file the form as the user (CSRF token)
//	GET  /permohonan                    my requests (Permohonan saya): requested-by is the user
//	GET  /permohonan/{name}             one request: the form's data, its timeline against the
//	                                    SOP's time standards, the decision and rename forms
//	POST /permohonan/{name}/setujui     approve as role (form field "peran"; CSRF token)
//	POST /permohonan/{name}/tolak       reject as role with a reason ("alasan"; CSRF token)
//	POST /permohonan/{name}/ganti-nama  rename (spec.subdomain) a returned request (CSRF token)
//	GET  /pejabat                       what waits for my roles (Pejabat), overdue first
//	GET  /register                      the register with filters: dari, sampai (YYYY-MM-DD),
//	                                    unit (part of the name), hasil (a phase)
//	GET  /register.csv                  the same rows as `kubectl subdomain register -o csv`
//	GET  /static/portal.css             the style sheet
//	GET  /healthz                       liveness
//
// Any page takes ?lang=en or ?lang=id, which is kept in a cookie.
package portal

import (
	"context"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config is what the portal needs to run.
type Config struct {
	// IssuerURL is the OpenID Connect provider's issuer.
	IssuerURL string
	// IssuerCA is the PEM of the CA that signed the provider's serving certificate;
	// empty for the system's roots.
	IssuerCA []byte
	// ClientID is the portal's client at the provider (a public client: PKCE).
	ClientID string
	// RedirectURL is the portal's callback as registered at the provider.
	RedirectURL string
	// APIServer is the API server's URL; APIServerCA the PEM of its CA. No credential.
	APIServer   string
	APIServerCA []byte
	// BaseDomain is shown after the subdomain field, e.g. kuduskab.go.id.
	BaseDomain string
	// Language is the default language, "id" or "en".
	Language string
	// CookieSecure marks the cookies Secure (the portal is served over HTTPS).
	CookieSecure bool
	// Location is the time zone in which times are shown; Asia/Jakarta (WIB) when nil.
	Location *time.Location
	// Logger receives the portal's log lines (never tokens); slog.Default when nil.
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Server is the portal.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	pages    map[string]*template.Template
	static   fs.FS
	sessions *sessionStore
	logins   *loginStore
	mux      *http.ServeMux

	oidcMu sync.Mutex
	oidc   *oidcClient
}

// New checks the configuration and prepares the portal; the OpenID Connect provider
// is first asked for its discovery document at the first login, so that the portal
// starts even while the provider is down.
func New(cfg Config) (*Server, error) {
	if cfg.IssuerURL == "" || cfg.ClientID == "" || cfg.RedirectURL == "" || cfg.APIServer == "" {
		return nil, errors.New("the issuer URL, the client ID, the redirect URL and the API server's URL are required")
	}
	redirect, err := url.Parse(cfg.RedirectURL)
	if err != nil || redirect.Path == "" {
		return nil, fmt.Errorf("the redirect URL %q is not a URL with a path", cfg.RedirectURL)
	}
	if len(cfg.APIServerCA) > 0 && !x509.NewCertPool().AppendCertsFromPEM(cfg.APIServerCA) {
		return nil, errors.New("the API server's CA is not PEM")
	}
	if len(cfg.IssuerCA) > 0 && !x509.NewCertPool().AppendCertsFromPEM(cfg.IssuerCA) {
		return nil, errors.New("the issuer's CA is not PEM")
	}
	if cfg.Language != "en" {
		cfg.Language = "id"
	}
	if cfg.BaseDomain == "" {
		cfg.BaseDomain = "kuduskab.go.id"
	}
	if cfg.Location == nil {
		loc, err := time.LoadLocation("Asia/Jakarta")
		if err != nil {
			loc = time.FixedZone("WIB", 7*60*60)
		}
		cfg.Location = loc
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, sessions: newSessionStore(), logins: newLoginStore()}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(assets, "static"); err != nil {
		return nil, err
	}
	s.routes(redirect.Path)
	return s, nil
}

func (s *Server) routes(callbackPath string) {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(s.static)))
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /masuk", s.login)
	m.HandleFunc("GET "+callbackPath, s.callback)
	m.HandleFunc("POST /keluar", s.withSession(s.logout))
	m.HandleFunc("GET /permohonan/baru", s.withSession(s.newRequestForm))
	m.HandleFunc("POST /permohonan", s.withSession(s.fileRequest))
	m.HandleFunc("GET /permohonan", s.withSession(s.myRequests))
	m.HandleFunc("GET /permohonan/{name}", s.withSession(s.requestPage))
	m.HandleFunc("POST /permohonan/{name}/setujui", s.withSession(s.approve))
	m.HandleFunc("POST /permohonan/{name}/tolak", s.withSession(s.reject))
	m.HandleFunc("POST /permohonan/{name}/ganti-nama", s.withSession(s.rename))
	m.HandleFunc("GET /pejabat", s.withSession(s.officialQueue))
	m.HandleFunc("GET /register", s.withSession(s.register))
	m.HandleFunc("GET /register.csv", s.withSession(s.registerCSV))
	s.mux = m
}

// contentSecurityPolicy allows the portal's own style sheet and nothing else: no
// script at all, no frames, forms only to the portal.
const contentSecurityPolicy = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; " +
	"form-action 'self'; frame-ancestors 'none'"

// ServeHTTP serves the portal with its security headers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	if s.cfg.CookieSecure {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	s.mux.ServeHTTP(w, r)
}

// withSession runs h for a logged-in user; a POST must carry the session's CSRF token.
// Without a session a page sends the browser to the login, and a POST is refused.
func (s *Server) withSession(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess := s.sessions.get(s.sessionID(r), s.now())
		if r.Method == http.MethodPost {
			if sess == nil || !sess.csrfValid(r.PostFormValue(csrfField)) {
				s.log.Info("refused a form without a valid CSRF token", "path", r.URL.Path, "session", sess != nil)
				s.plainError(w, r, http.StatusForbidden, "err.csrf")
				return
			}
		} else if sess == nil {
			http.Redirect(w, r, "/masuk?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		h(w, r, sess)
	}
}

// plainError answers with a short page holding one message of the catalogue.
func (s *Server) plainError(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	l := s.language(w, r)
	s.render(w, r, status, "error", &pageData{Lang: l, Title: l.t("err.title"), Message: l.t(key, args...)})
}

// apiContext is the context of a call to the API server on behalf of a page.
func apiContext(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}

// restConfig is how the portal reaches the API server as the bearer of a user's ID
// token: the address, its CA and the token, nothing else.
func (s *Server) restConfig(idToken string) *rest.Config {
	return &rest.Config{
		Host:            s.cfg.APIServer,
		TLSClientConfig: rest.TLSClientConfig{CAData: s.cfg.APIServerCA},
		BearerToken:     idToken,
		UserAgent:       "subdomain-portal",
		// Client-side rate limits of the user's own client: a page makes a few calls.
		QPS: 50, Burst: 100,
	}
}

// safeNext keeps a post-login target only when it is a path of the portal.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
