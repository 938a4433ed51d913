// Package testenv starts the real control plane (the pinned kube-apiserver and etcd
// that make test builds into bin/k8s) with this project's CRD, admission policies and
// roles, plus external-dns's DNSEndpoint CRD, the Gateway API's standard channel and
// cert-manager's CRDs, and makes users for the tests.
package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/policysettings"
)

// Scheme knows the built-in kinds, SubdomainRequest, DNSEndpoint and the Gateway
// API's v1 kinds (cert-manager's are reached as unstructured: its module is not a
// dependency of this one).
var Scheme = k8sruntime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(hostingv1.AddToScheme(Scheme))
	utilruntime.Must(externaldnsv1.AddToScheme(Scheme))
	utilruntime.Must(gatewayv1.Install(Scheme))
}

// CertificateGVK is cert-manager's Certificate.
var CertificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}

// RepoRoot is the root of this repository.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// ExternalDNSCRDDir is external-dns's own CRD folder in the module cache.
func ExternalDNSCRDDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/external-dns")
	cmd.Dir = RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating the external-dns module: %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard"), nil
}

// GatewayAPICRDDir is the Gateway API's standard-channel CRD folder of the version
// this module requires, in the module cache. Besides the CRDs it holds
// gateway.networking.k8s.io_vap_safeupgrades.yaml, an admission policy that envtest's
// CRD installer skips and Start applies.
func GatewayAPICRDDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api")
	cmd.Dir = RepoRoot()
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		return "", fmt.Errorf("locating the gateway-api module: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "config", "crd", "standard"), nil
}

// CertManagerCRDDir is cert-manager's CRD folder (deploy/crds: plain CRDs, from
// which its Helm chart templates its own) of the version pinned by
// hack/tools/cert-manager, downloaded from the module proxy the first time (4 MB)
// and checked against that module's go.sum. cert-manager is not a dependency of
// this module.
func CertManagerCRDDir() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/cert-manager/cert-manager")
	cmd.Dir = filepath.Join(RepoRoot(), "hack", "tools", "cert-manager")
	out, err := cmd.Output()
	var m struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &m); jerr != nil || m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("downloading the cert-manager module (hack/tools/cert-manager): %v %s", err, m.Error)
	}
	return filepath.Join(m.Dir, "deploy", "crds"), nil
}

// Env is a running control plane.
type Env struct {
	*envtest.Environment
	Config *rest.Config
	Client client.Client
}

// Start starts the control plane and installs the CRDs, the admission policies and
// the officials' roles from config/. KUBEBUILDER_ASSETS must point at bin/k8s; a
// missing binary is an error, never a skip.
func Start(ctx context.Context) (*Env, error) {
	return StartWith(ctx, Options{})
}

// StartWith is Start with options (auth.go).
func StartWith(ctx context.Context, opts Options) (*Env, error) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(RepoRoot(), "bin", "k8s")
	}
	for _, b := range []string{"kube-apiserver", "etcd", "kubectl"} {
		if _, err := os.Stat(filepath.Join(assets, b)); err != nil {
			return nil, fmt.Errorf("%s is missing from %s: run 'make test-tools' (make test does it)", b, assets)
		}
	}
	edns, err := ExternalDNSCRDDir()
	if err != nil {
		return nil, err
	}
	gwapi, err := GatewayAPICRDDir()
	if err != nil {
		return nil, err
	}
	certManager, err := CertManagerCRDDir()
	if err != nil {
		return nil, err
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases"), edns},
		ErrorIfCRDPathMissing: true,
	}
	api := env.ControlPlane.GetAPIServer()
	api.Configure().Set("service-cluster-ip-range", "10.96.0.0/16")
	api.Configure().Set("authorization-mode", "RBAC")
	opts.configure(api)
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	e := &Env{Environment: env, Config: cfg, Client: c}
	// The Gateway API's and cert-manager's CRDs (16, some large) are installed while
	// the policies below are applied and loaded, which is mostly waiting: about 2 s
	// less per control plane than installing them with the others.
	external := make(chan error, 1)
	go func() {
		crds, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{Paths: []string{gwapi, certManager}, ErrorIfPathMissing: true})
		if err == nil && len(crds) == 0 {
			err = fmt.Errorf("no CRDs in %s and %s", gwapi, certManager)
		}
		external <- err
	}()
	fail := func(err error) (*Env, error) {
		_ = env.Stop()
		return nil, err
	}
	// Discovery can lag behind the CRDs being established; wait until the kinds the
	// tests and the operator use serve.
	if err := e.waitForKinds(ctx, &hostingv1.SubdomainRequestList{}, &externaldnsv1.DNSEndpointList{}); err != nil {
		return fail(err)
	}
	// config/policies: the operator's namespace, the policy settings, the 32 grant
	// maps and every admission policy, as kustomize would install them; then the roles
	// and the Gateway API's own admission policy (its standard install has it;
	// envtest's CRD installer skips what is not a CRD).
	policies, err := PolicyFiles()
	if err != nil {
		return fail(err)
	}
	for _, f := range append(policies, filepath.Join(RepoRoot(), "config/officials/roles.yaml"),
		filepath.Join(gwapi, "gateway.networking.k8s.io_vap_safeupgrades.yaml")) {
		if err := e.ApplyFile(ctx, f); err != nil {
			return fail(err)
		}
	}
	if err := e.waitForPolicies(ctx); err != nil {
		return fail(err)
	}
	if err := <-external; err != nil {
		return fail(fmt.Errorf("installing the Gateway API and cert-manager CRDs: %w", err))
	}
	certificates := &unstructured.UnstructuredList{}
	certificates.SetGroupVersionKind(CertificateGVK.GroupVersion().WithKind("CertificateList"))
	if err := e.waitForKinds(ctx, &gatewayv1.HTTPRouteList{}, &gatewayv1.ListenerSetList{}, &gatewayv1.GatewayList{}, certificates); err != nil {
		return fail(err)
	}
	return e, nil
}

// waitForKinds waits until the API server lists each kind.
func (e *Env) waitForKinds(ctx context.Context, lists ...client.ObjectList) error {
	for _, list := range lists {
		var lastErr error
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			lastErr = e.Client.List(ctx, list, client.Limit(1))
			return lastErr == nil, nil
		})
		if err != nil {
			return fmt.Errorf("the API server does not serve %T: %v", list, lastErr)
		}
	}
	return nil
}

// PolicyFiles lists the files of config/policies in the order of its kustomization.
func PolicyFiles() ([]string, error) {
	dir := filepath.Join(RepoRoot(), "config", "policies")
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, err
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("reading config/policies/kustomization.yaml: %w", err)
	}
	var out []string
	for _, r := range k.Resources {
		out = append(out, filepath.Join(dir, r))
	}
	return out, nil
}

// ApplyPolicySettings writes the admission policies' settings for a configuration
// other than the default (the operator refuses to start when they disagree).
func (e *Env) ApplyPolicySettings(ctx context.Context, cfg config.Config) error {
	cm := policysettings.ConfigMap(cfg)
	existing := &corev1.ConfigMap{}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(cm), existing); err != nil {
		return err
	}
	existing.Data = cm.Data
	if err := e.Client.Update(ctx, existing); err != nil {
		return fmt.Errorf("writing the policy settings: %w", err)
	}
	return nil
}

// ApplyPolicySettingsFor writes the policy settings for the operator's configuration
// file, as a platform team does with `manager --print-policy-settings`.
func (e *Env) ApplyPolicySettingsFor(ctx context.Context, configFile string) error {
	cfg, err := config.Load(configFile)
	if err != nil {
		return err
	}
	return e.ApplyPolicySettings(ctx, cfg)
}

// waitForPolicies waits until the admission policies act: the API server loads them,
// and learns the CRD's schema for the mutating ones, asynchronously. Dry-run creates
// go through admission without storing anything.
func (e *Env) waitForPolicies(ctx context.Context) error {
	probe := func(annotations map[string]string) (*hostingv1.SubdomainRequest, error) {
		s := &hostingv1.SubdomainRequest{
			ObjectMeta: metav1.ObjectMeta{GenerateName: "policy-probe-", Annotations: annotations},
			Spec: hostingv1.SubdomainRequestSpec{Subdomain: "policy-probe", Purpose: "probe",
				Applicant: hostingv1.Applicant{Unit: "probe", ContactName: "probe", Email: "probe@example.test", Group: "opd:probe"},
				Letter:    hostingv1.Letter{Number: "0", Date: "2026-01-01"}},
		}
		err := e.Client.Create(ctx, s)
		if err == nil {
			_ = e.Client.Delete(ctx, s)
		}
		return s, err
	}
	// The host policies read their parameters from ConfigMaps: an Ingress for the
	// apex is refused once they are loaded.
	hostProbe := func() error {
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{GenerateName: "policy-probe-", Namespace: "default"},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "kuduskab.go.id"}}}}
		return e.Client.Create(ctx, ing, client.DryRunAll)
	}
	var errMutating, errValidating, errHosts error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		var s *hostingv1.SubdomainRequest
		s, errMutating = probe(nil)
		_, errValidating = probe(map[string]string{hostingv1.ApprovalAnnotation(hostingv1.RoleKepalaDinas): "probe"})
		errHosts = hostProbe()
		return errMutating == nil && s.Annotations[hostingv1.RequestedByAnnotation] != "" && apierrors.IsForbidden(errValidating) &&
			errHosts != nil && strings.Contains(errHosts.Error(), "the apex kuduskab.go.id cannot be served"), nil
	})
	if err != nil {
		return fmt.Errorf("admission policies not effective after 60s: mutating: %v, validating: %v, hosts: %v", errMutating, errValidating, errHosts)
	}
	return nil
}

// ApplyFile creates (or replaces) every object in a multi-document YAML file.
func (e *Env) ApplyFile(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return e.ApplyYAML(ctx, data)
}

// ApplyYAML creates every object of a multi-document YAML, server-side applied.
func (e *Env) ApplyYAML(ctx context.Context, data []byte) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if len(u.Object) == 0 {
			continue
		}
		//nolint:staticcheck // unstructured apply
		if err := e.Client.Patch(ctx, u, client.Apply, client.FieldOwner("testenv"), client.ForceOwnership); err != nil {
			return fmt.Errorf("applying %s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
}

// User makes a user known to the API server by a client certificate, with groups.
func (e *Env) User(name string, groups ...string) (client.Client, *rest.Config, error) {
	au, err := e.AddUser(envtest.User{Name: name, Groups: groups}, e.Config)
	if err != nil {
		return nil, nil, err
	}
	cfg := au.Config()
	cfg.QPS, cfg.Burst = 100, 200
	c, err := client.New(cfg, client.Options{Scheme: Scheme})
	return c, cfg, err
}

// Kubeconfig writes a kubeconfig for a user's rest config, for kubectl.
func (e *Env) Kubeconfig(name string, groups ...string) ([]byte, error) {
	au, err := e.AddUser(envtest.User{Name: name, Groups: groups}, e.Config)
	if err != nil {
		return nil, err
	}
	return au.KubeConfig()
}

// BindGroup binds a ClusterRole to a group.
func (e *Env) BindGroup(ctx context.Context, clusterRole, group string) error {
	y := fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: %s--%s
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: %s}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: %q}]
`, clusterRole, strings.ReplaceAll(group, ":", "."), clusterRole, group)
	return e.ApplyYAML(ctx, []byte(y))
}

// OperatorUser is the operator's identity in tests and the demo: the name the API
// server gives the ServiceAccount controller-manager in subdomain-operator-system.
const OperatorUser = "system:serviceaccount:subdomain-operator-system:controller-manager"

// People are the users of the end-to-end tests and the demo, with the groups that
// config/officials/example-bindings.yaml binds, and the operator's own identity.
func People(operatorUser string) map[string][]string {
	return map[string][]string{
		"admin":          {"system:masters"},
		"pemohon-dinkes": {"opd:applicants"},
		"budi":           {"diskominfo:kepala-dinas"},
		"agus":           {"diskominfo:kepala-bidang-informatika"},
		"dewi":           {"diskominfo:kepala-seksi-ti-persandian"},
		operatorUser:     {"system:serviceaccounts", "system:serviceaccounts:subdomain-operator-system", "system:authenticated"},
	}
}

// WriteKubeconfigs writes one kubeconfig per user into dir and returns their paths.
func (e *Env) WriteKubeconfigs(dir string, users map[string][]string) (map[string]string, error) {
	paths := map[string]string{}
	for user, groups := range users {
		kc, err := e.Kubeconfig(user, groups...)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, strings.NewReplacer(":", "_").Replace(user)+".kubeconfig")
		if err := os.WriteFile(path, kc, 0o600); err != nil {
			return nil, err
		}
		paths[user] = path
	}
	return paths, nil
}
