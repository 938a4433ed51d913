package oidctest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is the provider's op.Storage, in memory: the pending authorization
// requests, the codes and the access tokens, over the users, clients and key the
// provider was started with.
type storage struct {
	p        *Provider
	mu       sync.Mutex
	requests map[string]*authRequest // by id
	codes    map[string]code         // by the code
}

// code is an issued authorization code: the request it stands for, until when.
type code struct {
	request string
	expires time.Time
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

// authRequest is an authorization request from the authorization endpoint to the
// token exchange (op.AuthRequest).
type authRequest struct {
	id, clientID, redirectURI, state, nonce string
	scopes                                  []string
	responseType                            oidc.ResponseType
	responseMode                            oidc.ResponseMode
	challenge                               *oidc.CodeChallenge
	subject                                 string
	authTime                                time.Time
	expires                                 time.Time
}

func (a *authRequest) GetID() string    { return a.id }
func (a *authRequest) GetACR() string   { return "" }
func (a *authRequest) GetAMR() []string { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string {
	return []string{a.clientID}
}
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.subject != "" }

// CreateAuthRequest keeps an authorization request that op has checked against the
// client (its redirect URI, response type and scopes), once it carries PKCE with S256.
func (s *storage) CreateAuthRequest(_ context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: code_challenge with code_challenge_method=S256")
	}
	a := &authRequest{id: randomString(24), clientID: req.ClientID, redirectURI: req.RedirectURI, state: req.State,
		nonce: req.Nonce, scopes: req.Scopes, responseType: req.ResponseType, responseMode: req.ResponseMode,
		challenge: &oidc.CodeChallenge{Challenge: req.CodeChallenge, Method: req.CodeChallengeMethod},
		expires:   time.Now().Add(loginLifetime)}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for id, r := range s.requests {
		if now.After(r.expires) {
			delete(s.requests, id)
		}
	}
	for c, e := range s.codes {
		if now.After(e.expires) {
			delete(s.codes, c)
		}
	}
	s.requests[a.id] = a
	return a, nil
}

// pending is a request waiting for its login.
func (s *storage) pending(id string) (*authRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || a.Done() || time.Now().After(a.expires) {
		return nil, errors.New("unknown, expired or finished authorization request")
	}
	return a, nil
}

// authenticated records who logged in for the request.
func (s *storage) authenticated(id, user string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || a.Done() {
		return errors.New("unknown or finished authorization request")
	}
	a.subject, a.authTime = user, time.Now()
	return nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok || time.Now().After(a.expires) {
		return nil, errors.New("unknown or expired authorization request")
	}
	return a, nil
}

// AuthRequestByCode spends the code: a second use is refused whatever the first's
// outcome (RFC 6749 section 4.1.2: a code is used once).
func (s *storage) AuthRequestByCode(_ context.Context, c string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[c]
	delete(s.codes, c)
	if !ok || time.Now().After(e.expires) {
		return nil, errors.New("unknown, used or expired code")
	}
	a, ok := s.requests[e.request]
	if !ok {
		return nil, errors.New("the code's authorization request is gone")
	}
	return a, nil
}

func (s *storage) SaveAuthCode(_ context.Context, id, c string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errors.New("unknown authorization request")
	}
	a.expires = time.Now().Add(codeLifetime)
	s.codes[c] = code{request: id, expires: a.expires}
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, e := range s.codes {
		if e.request == id {
			delete(s.codes, c)
		}
	}
	return nil
}

// CreateAccessToken issues an opaque access token (op encrypts its id and subject);
// nothing but the ID token is of use to the portal, and the provider keeps no tokens.
func (s *storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return randomString(16), time.Now().Add(s.p.opts.TokenLifetime), nil
}

var errNoRefresh = errors.New("this provider issues no refresh tokens")

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNoRefresh
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNoRefresh
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// signingKey is the provider's RSA key, as op signs with it and publishes it.
type signingKey struct{ p *Provider }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k signingKey) ID() string                                  { return k.p.keyID }
func (k signingKey) Use() string                                 { return "sig" }

// Key is the private key to sign with (op.SigningKey).
func (k signingKey) Key() any { return k.p.key }

// publicKey is the key the JWKS publishes (op.Key).
type publicKey struct{ signingKey }

func (k publicKey) Key() any { return &k.p.key.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return signingKey{s.p}, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	return []op.Key{publicKey{signingKey{s.p}}}, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	c, ok := s.p.client(id)
	if !ok {
		return nil, fmt.Errorf("unknown client %q", id)
	}
	return client{Client: c, lifetime: s.p.opts.TokenLifetime}, nil
}

func (s *storage) AuthorizeClientIDSecret(context.Context, string, string) error {
	return errors.New("this provider has only public clients")
}

// SetUserinfoFromScopes is deprecated in op in favour of SetUserinfoFromRequest.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest writes the user's claims for the scopes into the ID token.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	return s.userinfo(info, req.GetSubject(), scopes)
}

func (s *storage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, _, subject, _ string) error {
	return s.userinfo(info, subject, []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, scopeGroups})
}

func (s *storage) userinfo(info *oidc.UserInfo, subject string, scopes []string) error {
	u, ok := s.p.user(subject)
	if !ok {
		return fmt.Errorf("unknown user %q", subject)
	}
	for _, scope := range scopes {
		switch scope {
		case oidc.ScopeOpenID:
			info.Subject = u.Name
		case oidc.ScopeProfile:
			info.Name, info.PreferredUsername = u.DisplayName, u.Name
		case oidc.ScopeEmail:
			info.Email, info.EmailVerified = u.Email, true
		case scopeGroups:
			groups := u.Groups
			if groups == nil {
				groups = []string{}
			}
			info.AppendClaims("groups", groups)
		}
	}
	return nil
}

func (s *storage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, _, subject, clientID string) error {
	resp.Active, resp.Subject, resp.ClientID = true, subject, clientID
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("this provider takes no client keys")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("this provider takes no JWT profile grants")
}

func (s *storage) Health(context.Context) error { return nil }

// client is a public web client (op.Client): the authorization code flow only, no
// secret, PKCE required by op for a client without authentication.
type client struct {
	Client
	lifetime time.Duration
}

func (c client) GetID() string                       { return c.ID }
func (c client) RedirectURIs() []string              { return c.RedirectURLs }
func (c client) PostLogoutRedirectURIs() []string    { return nil }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodNone }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration       { return c.lifetime }
func (c client) IsScopeAllowed(scope string) bool     { return scope == scopeGroups }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }

// LoginURL is the provider's login form for the request.
func (c client) LoginURL(id string) string {
	return LoginPath + "?authRequestID=" + url.QueryEscape(id)
}

// DevMode lets a client registered with a plain-HTTP redirect URL on the loopback
// address (the portal of the tests and the demo, which serves HTTP on 127.0.0.1) use
// it: op allows http redirect URLs of a public web client only in its dev mode. The
// URL must still be registered exactly.
func (c client) DevMode() bool {
	return slices.ContainsFunc(c.RedirectURLs, func(u string) bool { return strings.HasPrefix(u, "http://127.0.0.1:") })
}

func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string { //nolint:revive // op.Client names it so
	return func(scopes []string) []string { return scopes }
}

func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(scopes []string) []string { return scopes }
}
