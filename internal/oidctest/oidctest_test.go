package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	clientID    = "portal"
	redirectURL = "https://portal.example.test/callback"
)

func startProvider(t *testing.T) *Provider {
	t.Helper()
	p, err := Start(Options{
		Users: []User{
			{Name: "budi", Password: "budi-secret", DisplayName: "Budi Santoso", Groups: []string{"kepala-dinas"}},
			{Name: "siti", Password: "siti-secret", Groups: []string{"opd:dinkes"}},
			{Name: "mallory", Password: "mallory-secret", Groups: []string{"opd:dinkes", "system:masters"}},
		},
		Clients: []Client{{ID: clientID, RedirectURLs: []string{redirectURL}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// The provider's own side: discovery, the code flow with PKCE and the ID token's
// claims, and the refusals a portal relies on.
func TestCodeFlow(t *testing.T) {
	ctx := t.Context()
	p := startProvider(t)
	hc := p.HTTPClient()

	var disc struct {
		Issuer  string   `json:"issuer"`
		Methods []string `json:"code_challenge_methods_supported"`
	}
	getJSON(t, hc, p.Issuer+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != p.Issuer || !strings.HasPrefix(p.Issuer, "https://127.0.0.1:") || !slices.Equal(disc.Methods, []string{"S256"}) {
		t.Fatalf("discovery: %+v (issuer %s)", disc, p.Issuer)
	}
	var jwks jose.JSONWebKeySet
	getJSON(t, hc, p.Issuer+pathKeys, &jwks)
	if len(jwks.Keys) != 1 || jwks.Keys[0].KeyID != p.keyID || !jwks.Keys[0].IsPublic() {
		t.Fatalf("JWKS: %+v", jwks)
	}

	before := time.Now().Add(-time.Second)
	token, err := p.Login(ctx, clientID, redirectURL, "budi", "budi-secret")
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	if h := parsed.Headers[0]; h.KeyID != p.keyID || h.Algorithm != "RS256" {
		t.Errorf("header: %+v", h)
	}
	var c Claims
	if err := parsed.Claims(&jwks.Keys[0], &c); err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Issuer: p.Issuer, AnyAudience: jwt.Audience{clientID}, Time: time.Now()}, 0); err != nil {
		t.Error(err)
	}
	// op writes iat and exp from two readings of the clock, to the second.
	if lifetime := c.Expiry.Time().Sub(c.IssuedAt.Time()); lifetime < time.Hour-time.Second || lifetime > time.Hour+time.Second {
		t.Errorf("the ID token lives %s, not an hour", lifetime)
	}
	if c.Subject != "budi" || c.PreferredUsername != "budi" || c.Name != "Budi Santoso" || c.Email != "budi@example.test" ||
		!c.EmailVerified || !slices.Equal(c.Groups, []string{"kepala-dinas"}) || c.Nonce == "" || c.IssuedAt.Time().Before(before) {
		t.Errorf("claims: %+v", c)
	}

	// A code exchanged with another verifier than the one its challenge was made
	// from is refused, and spent.
	verifier, challenge := PKCE()
	code, err := p.AuthorizationCode(ctx, clientID, redirectURL, "siti", "siti-secret", challenge)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := PKCE()
	_, err = p.Exchange(ctx, clientID, redirectURL, code, other)
	var te *TokenError
	if !errors.As(err, &te) || te.Status != http.StatusBadRequest || te.Code != "invalid_grant" || te.Description != "invalid code_verifier" {
		t.Fatalf("wrong verifier: %v", err)
	}
	if _, err := p.Exchange(ctx, clientID, redirectURL, code, verifier); !errors.As(err, &te) ||
		te.Code != "invalid_grant" || te.Description != "invalid code" {
		t.Errorf("the code after a refused exchange: %v", err)
	}
	// No verifier at all, as a client without PKCE would send.
	code, err = p.AuthorizationCode(ctx, clientID, redirectURL, "siti", "siti-secret", challenge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exchange(ctx, clientID, redirectURL, code, ""); !errors.As(err, &te) || te.Code != "invalid_request" ||
		te.Description != "code_verifier required" {
		t.Errorf("no verifier: %v", err)
	}
	// A code is used once: the second exchange of a code that worked is refused.
	verifier, challenge = PKCE()
	code, err = p.AuthorizationCode(ctx, clientID, redirectURL, "siti", "siti-secret", challenge)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exchange(ctx, clientID, redirectURL, code, verifier); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exchange(ctx, clientID, redirectURL, code, verifier); !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Errorf("a code used twice: %v", err)
	}

	// The login form refuses a wrong password and shows why.
	if _, err := p.Login(ctx, clientID, redirectURL, "budi", "siti-secret"); err == nil ||
		!strings.Contains(err.Error(), "401 Unauthorized") || !strings.Contains(err.Error(), "Wrong user name or password.") {
		t.Errorf("wrong password: %v", err)
	}
	// The authorization endpoint refuses an unregistered redirect URL without
	// redirecting to it, and a request without PKCE with a redirect that says so.
	if _, err := p.Login(ctx, clientID, "https://evil.example.test/callback", "budi", "budi-secret"); err == nil ||
		!strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "redirect_uri is missing in the client configuration") {
		t.Errorf("unregistered redirect URL: %v", err)
	}
	if _, err := p.AuthorizationCode(ctx, clientID, redirectURL, "budi", "budi-secret", ""); err == nil ||
		err.Error() != "authorization: invalid_request: PKCE is required: code_challenge with code_challenge_method=S256" {
		t.Errorf("authorization without PKCE: %v", err)
	}
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURL}, "scope": {"openid"}, "state": {"s"},
		"code_challenge": {challenge}, "code_challenge_method": {"plain"}}
	resp, err := hc.Get(p.Issuer + pathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if loc, _ := resp.Location(); resp.StatusCode != http.StatusFound || loc == nil || !strings.HasPrefix(loc.String(), redirectURL) ||
		loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "s" {
		t.Errorf("authorization with PKCE plain: %s %v", resp.Status, loc)
	}
}

// The API server started with the provider's authentication configuration takes a
// user's own ID token as that user, and refuses expired, forged and other clients'
// tokens; envtest's client certificates keep working beside it.
func TestAPIServerTrustsProvider(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	p := startProvider(t)
	path, err := testenv.WriteJWTAuthenticationConfig(t.TempDir(), p.Issuer, p.CAPEM, clientID)
	if err != nil {
		t.Fatal(err)
	}
	env, err := testenv.StartWith(ctx, testenv.Options{AuthenticationConfig: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })

	review := func(token string) (*authenticationv1.SelfSubjectReview, error) {
		cs, err := kubernetes.NewForConfig(env.TokenConfig(token))
		if err != nil {
			return nil, err
		}
		return cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	}

	budi, err := p.Login(ctx, clientID, redirectURL, "budi", "budi-secret")
	if err != nil {
		t.Fatal(err)
	}
	// The JWT authenticator fetches the provider's discovery document and keys in
	// the background once the API server runs.
	var r *authenticationv1.SelfSubjectReview
	var lastErr error
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		r, lastErr = review(budi)
		return lastErr == nil, nil
	}); err != nil {
		t.Fatalf("budi's ID token was not accepted within 30s: %v", lastErr)
	}
	if u := r.Status.UserInfo; u.Username != "oidc:budi" || !slices.Contains(u.Groups, "kepala-dinas") ||
		!slices.Contains(u.Groups, "system:authenticated") || len(u.Groups) != 2 {
		t.Errorf("budi: %+v", u)
	}

	siti, err := p.Login(ctx, clientID, redirectURL, "siti", "siti-secret")
	if err != nil {
		t.Fatal(err)
	}
	r, err = review(siti)
	if err != nil {
		t.Fatal(err)
	}
	if u := r.Status.UserInfo; u.Username != "oidc:siti" || !slices.Equal(u.Groups, []string{"opd:dinkes", "system:authenticated"}) {
		t.Errorf("siti: %+v", u)
	}

	// The ID token is a user's credential, no more: budi's token cannot read what his
	// groups are not granted.
	cs, err := kubernetes.NewForConfig(env.TokenConfig(budi))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) ||
		!strings.Contains(err.Error(), `User "oidc:budi" cannot list resource "secrets"`) {
		t.Errorf("budi listing secrets: %v", err)
	}

	now := time.Now()
	expired, err := p.IDToken(clientID, "budi", now.Add(-2*time.Hour), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	otherClient, err := p.IDToken("another-client", "budi", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	// Signed by another key under the provider's key ID, with valid claims.
	forgeKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forger, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: forgeKey},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.keyID))
	if err != nil {
		t.Fatal(err)
	}
	budiUser, _ := p.user("budi")
	forged, err := SignClaims(forger, p.claims(clientID, budiUser, "", now, now.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	// A provider that names a system: group in the groups claim (here mallory's
	// system:masters, beside her unit's group) does not make anyone an administrator:
	// the API server's user validation rule refuses the whole token.
	systemGroup, err := p.IDToken(clientID, "mallory", now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for name, token := range map[string]string{"expired": expired, "another client's": otherClient, "wrongly signed": forged,
		"system: group's": systemGroup} {
		_, err := review(token)
		var status apierrors.APIStatus
		if !apierrors.IsUnauthorized(err) || !errors.As(err, &status) || status.Status().Code != http.StatusUnauthorized {
			t.Errorf("%s token: want 401 Unauthorized, got %v", name, err)
		}
	}

	// envtest's own authentication keeps working: the admin and a certificate user.
	_, certUser, err := env.User("cert-user", "cert-group")
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*rest.Config{"admin": env.Config, "cert-user": certUser} {
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		u := r.Status.UserInfo
		if name == "cert-user" && (u.Username != "cert-user" || !slices.Contains(u.Groups, "cert-group")) ||
			name == "admin" && !slices.Contains(u.Groups, "system:masters") {
			t.Errorf("%s: %+v", name, u)
		}
	}
}

func getJSON(t *testing.T, hc *http.Client, u string, v any) {
	t.Helper()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", u, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
}
