package deploy

// config/portal/authentication-config.example.yaml, the kube-apiserver file that makes
// the API server trust the portal's OpenID Connect provider: it is the configuration
// the portal's tests run with (internal/testenv.JWTAuthenticationConfig), and a
// kube-apiserver started with it, its issuer and CA replaced by a test provider's,
// takes a login's ID token for oidc:<name> with the provider's groups and refuses a
// token that claims a system: group.

import (
	"os"
	"path/filepath"
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kudus-diskominfo/subdomain-operator/internal/oidctest"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

var _ = Describe("config/portal/authentication-config.example.yaml", Ordered, func() {
	const (
		example  = "config/portal/authentication-config.example.yaml"
		clientID = "subdomain-portal"
		redirect = "https://portal.kuduskab.go.id/auth/callback"
	)
	var (
		provider *oidctest.Provider
		// The example with the test provider's issuer and CA in place of the regency's.
		substituted []byte
	)

	BeforeAll(func() {
		var err error
		provider, err = oidctest.Start(oidctest.Options{
			Users: []oidctest.User{
				{Name: "siti", Password: "siti-rahasia", Groups: []string{"opd:dinkes"}},
				{Name: "budi", Password: "budi-rahasia", Groups: []string{"diskominfo:kepala-dinas"}},
				// A provider that hands out the cluster administrators' group.
				{Name: "mallory", Password: "mallory-rahasia", Groups: []string{"opd:dinkes", "system:masters"}},
			},
			Clients: []oidctest.Client{{ID: clientID, RedirectURLs: []string{redirect}}},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(provider.Close)
	})

	It("is the portal tests' JWT authentication configuration, with the regency's issuer in place of a test provider's; not a kustomize resource", func() {
		cfg := map[string]any{}
		Expect(sigsyaml.Unmarshal([]byte(readFile(example)), &cfg)).To(Succeed())
		jwt, ok := cfg["jwt"].([]any)
		Expect(ok).To(BeTrue(), "%s has no jwt list", example)
		Expect(jwt).To(HaveLen(1))
		issuer := jwt[0].(map[string]any)["issuer"].(map[string]any)
		Expect(issuer).To(HaveKeyWithValue("url", "https://login.kuduskab.go.id"))
		// The portal's defaults (config/portal, the chart's values) name the same client.
		Expect(issuer).To(HaveKeyWithValue("audiences", []any{clientID}))
		issuer["url"] = provider.Issuer
		issuer["certificateAuthority"] = string(provider.CAPEM)
		var err error
		substituted, err = sigsyaml.Marshal(cfg)
		Expect(err).NotTo(HaveOccurred())

		want, err := testenv.JWTAuthenticationConfig(provider.Issuer, provider.CAPEM, clientID)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(substituted)).To(MatchYAML(string(want)))

		rendered := mustKubectl("admin", "", "kustomize", "config/portal")
		Expect(rendered).NotTo(ContainSubstring("AuthenticationConfiguration"))
	})

	It("makes kube-apiserver take a login's ID token for oidc:<name> with the provider's groups, and refuse a system: group", func() {
		Expect(substituted).NotTo(BeEmpty(), "the spec above substitutes the issuer")
		path := filepath.Join(workDir, "authentication-config.yaml")
		Expect(os.WriteFile(path, substituted, 0o600)).To(Succeed())
		// A bare control plane (no CRDs, no policies): only the authenticator is tested.
		assets := os.Getenv("KUBEBUILDER_ASSETS")
		if assets == "" {
			assets = filepath.Join(testenv.RepoRoot(), "bin", "k8s")
		}
		e := &envtest.Environment{BinaryAssetsDirectory: assets}
		api := e.ControlPlane.GetAPIServer()
		api.Configure().Set("authentication-config", path)
		// Its log says why a token was refused.
		apiLog := gbytes.NewBuffer()
		api.Err = apiLog
		cfg, err := e.Start()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(e.Stop)

		as := func(user, password string) (*authenticationv1.SelfSubjectReview, error) {
			token, err := provider.Login(ctx, clientID, redirect, user, password)
			Expect(err).NotTo(HaveOccurred())
			c := rest.AnonymousClientConfig(cfg)
			c.BearerToken = token
			cs, err := kubernetes.NewForConfig(c)
			Expect(err).NotTo(HaveOccurred())
			return cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
		}
		// The API server reads the provider's keys after it starts.
		var review *authenticationv1.SelfSubjectReview
		Eventually(func() error {
			review, err = as("siti", "siti-rahasia")
			return err
		}).Should(Succeed())
		Expect(review.Status.UserInfo.Username).To(Equal("oidc:siti"))
		Expect(review.Status.UserInfo.Groups).To(ConsistOf("opd:dinkes", "system:authenticated"))

		review, err = as("budi", "budi-rahasia")
		Expect(err).NotTo(HaveOccurred())
		Expect(review.Status.UserInfo.Username).To(Equal("oidc:budi"))
		Expect(review.Status.UserInfo.Groups).To(ConsistOf("diskominfo:kepala-dinas", "system:authenticated"))

		_, err = as("mallory", "mallory-rahasia")
		Expect(err).To(HaveOccurred())
		Expect(apierrors.IsUnauthorized(err)).To(BeTrue(), "a token with the group system:masters: %v", err)
		Eventually(apiLog).Should(gbytes.Say(regexp.QuoteMeta(testenv.SystemGroupRefusal)))
	})
})
