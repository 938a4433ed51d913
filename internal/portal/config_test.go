package portal

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
)

// Served over HTTPS (--cookie-secure, the default), the cookies are Secure and bound
// to the portal's host (__Host-), and browsers are told to keep to HTTPS.
func TestSecureCookies(t *testing.T) {
	g := NewWithT(t)
	s, err := New(Config{IssuerURL: provider.Issuer, IssuerCA: provider.CAPEM, ClientID: clientID,
		RedirectURL: "https://portal.example.test/auth/callback", APIServer: env.Config.Host, APIServerCA: env.Config.CAData,
		CookieSecure: true})
	g.Expect(err).NotTo(HaveOccurred())
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "https://portal.example.test/masuk?lang=en", nil))
	g.Expect(rec.Code).To(Equal(http.StatusFound))
	cookies := rec.Result().Header.Values("Set-Cookie")
	g.Expect(cookies).To(HaveLen(2))
	for _, c := range cookies {
		g.Expect(c).To(SatisfyAll(HavePrefix("__Host-portal-"), ContainSubstring("; Path=/"), ContainSubstring("; HttpOnly"),
			ContainSubstring("; Secure"), ContainSubstring("; SameSite=Lax")))
	}
	g.Expect(rec.Header().Get("Strict-Transport-Security")).NotTo(BeEmpty())
	g.Expect(rec.Header().Get("Location")).To(HavePrefix(provider.Issuer + "/authorize?"))
}

// The portal reaches the API server with the user's token and nothing else: no
// credential of its own to fall back on.
func TestRestConfigHasOnlyTheUsersToken(t *testing.T) {
	g := NewWithT(t)
	cfg := portal.restConfig("the-users-id-token")
	g.Expect(cfg.BearerToken).To(Equal("the-users-id-token"))
	g.Expect(cfg.Host).To(Equal(env.Config.Host))
	g.Expect(cfg.CAData).To(Equal(env.Config.CAData))
	g.Expect(rest.AnonymousClientConfig(cfg).BearerToken).To(BeEmpty(), "the token is the only credential")
	g.Expect([]string{cfg.Username, cfg.Password, cfg.BearerTokenFile, string(cfg.CertData), string(cfg.KeyData),
		cfg.CertFile, cfg.KeyFile, cfg.Impersonate.UserName}).To(HaveEach(BeEmpty()))
	g.Expect(cfg.ExecProvider).To(BeNil())
	g.Expect(cfg.AuthProvider).To(BeNil())
	g.Expect(strings.Contains(cfg.UserAgent, "subdomain-portal")).To(BeTrue())
}

// After the login the browser goes back only to a page of the portal.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/pejabat": "/pejabat", "/permohonan/dinkes?lang=en": "/permohonan/dinkes?lang=en",
		"": "/", "https://evil.example.test/": "/", "//evil.example.test/": "/", "/\\evil.example.test": "/", "pejabat": "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
