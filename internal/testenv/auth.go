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
	// AuditPolicyFile is the path of an audit Policy file (audit.k8s.io/v1) given to
	// kube-apiserver as --audit-policy-file, e.g. written by WriteAuditPolicy; the
	// events go to AuditLogPath (--audit-log-path), one JSON object a line. Both or
	// neither.
	AuditPolicyFile string
	AuditLogPath    string
}

// configure sets the API server's flags for the options.
func (o Options) configure(api *envtest.APIServer) {
	if o.AuthenticationConfig != "" {
		api.Configure().Set("authentication-config", o.AuthenticationConfig)
	}
	if o.AuditPolicyFile != "" {
		api.Configure().Set("audit-policy-file", o.AuditPolicyFile)
		api.Configure().Set("audit-log-path", o.AuditLogPath)
		// JSON lines, each event written by the request's own handler (blocking)
		// rather than batched, so that the log follows the requests closely.
		api.Configure().Set("audit-log-format", "json")
		api.Configure().Set("audit-log-mode", "blocking")
	}
}

// OIDCPrefix prefixes the user names the API server takes from an OpenID Connect
// provider's tokens, as the JWT authenticator of JWTAuthenticationConfig maps them:
// budi is the user oidc:budi, so that no login can take the name of a service
// account, a node or a certificate's user.
const OIDCPrefix = "oidc:"

// SystemGroupRefusal is the API server's message for a token whose groups claim names a
// system: group (the JWT authenticator's user validation rule).
const SystemGroupRefusal = "the OpenID Connect provider cannot grant system: groups"

// JWTAuthenticationConfig is an AuthenticationConfiguration that trusts one OpenID
// Connect issuer, served with a certificate of the CA in caPEM, for ID tokens whose
// audience is clientID: the user name is the preferred_username claim prefixed with
// OIDCPrefix, and the groups are the groups claim as the provider wrote them, so that
// the regency's directory names the units' groups (opd:dinkes) and the officials'
// groups exactly as the RoleBindings of the sites and config/officials do. A token
// whose groups include a system: group (system:masters above all) is refused.
func JWTAuthenticationConfig(issuerURL string, caPEM []byte, clientID string) ([]byte, error) {
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
				"username": map[string]any{"claim": "preferred_username", "prefix": OIDCPrefix},
				"groups":   map[string]any{"claim": "groups", "prefix": ""},
			},
			"userValidationRules": []any{map[string]any{
				"expression": "user.groups.all(g, !g.startsWith('system:'))",
				"message":    SystemGroupRefusal,
			}},
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
