package testenv

import (
	"fmt"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	sigsyaml "sigs.k8s.io/yaml"
)

// Options change how StartWith starts the control plane; the zero value is Start's.
type Options struct {
	// AuthenticationConfig is the path of an AuthenticationConfiguration file
	// (apiserver.config.k8s.io/v1) given to kube-apiserver as --authentication-config,
	// e.g. written by WriteJWTAuthenticationConfig. envtest's own client certificates
	// keep authenticating the admin and the users of User.
	AuthenticationConfig string
}

// configure sets the API server's flags for the options.
func (o Options) configure(api *envtest.APIServer) {
	if o.AuthenticationConfig != "" {
		api.Configure().Set("authentication-config", o.AuthenticationConfig)
	}
}

// OIDCPrefix prefixes the user names and groups the API server takes from an
// OpenID Connect provider's tokens, as the JWT authenticator of
// JWTAuthenticationConfig maps them: budi of group kepala-dinas is the user
// oidc:budi of group oidc:kepala-dinas.
const OIDCPrefix = "oidc:"

// JWTAuthenticationConfig is an AuthenticationConfiguration that trusts one OpenID
// Connect issuer, served with a certificate of the CA in caPEM, for ID tokens whose
// audience is clientID: the user name is the preferred_username claim and the
// groups the groups claim, both prefixed with OIDCPrefix.
func JWTAuthenticationConfig(issuerURL string, caPEM []byte, clientID string) ([]byte, error) {
	claim := func(name string) map[string]any { return map[string]any{"claim": name, "prefix": OIDCPrefix} }
	return sigsyaml.Marshal(map[string]any{
		"apiVersion": "apiserver.config.k8s.io/v1",
		"kind":       "AuthenticationConfiguration",
		"jwt": []any{map[string]any{
			"issuer": map[string]any{
				"url":                  issuerURL,
				"certificateAuthority": string(caPEM),
				"audiences":            []string{clientID},
			},
			"claimMappings": map[string]any{
				"username": claim("preferred_username"),
				"groups":   claim("groups"),
			},
		}},
	})
}

// WriteJWTAuthenticationConfig writes JWTAuthenticationConfig into dir and returns
// the file's path, for Options.AuthenticationConfig.
func WriteJWTAuthenticationConfig(dir, issuerURL string, caPEM []byte, clientID string) (string, error) {
	data, err := JWTAuthenticationConfig(issuerURL, caPEM, clientID)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "authentication-config.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("writing the authentication configuration: %w", err)
	}
	return path, nil
}

// TokenConfig is a rest config that reaches the API server as the bearer of token
// (an ID token, for the JWT authenticator), with no other credentials.
func (e *Env) TokenConfig(token string) *rest.Config {
	cfg := rest.AnonymousClientConfig(e.Config)
	cfg.BearerToken = token
	cfg.QPS, cfg.Burst = 100, 200
	return cfg
}
