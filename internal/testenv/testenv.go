// Package testenv starts the real control plane (the pinned kube-apiserver and etcd
// that make test builds into bin/k8s) with this project's CRD, admission policies and
// roles, plus external-dns's DNSEndpoint CRD, and makes users for the tests.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// Scheme knows the built-in kinds, SubdomainRequest and DNSEndpoint.
var Scheme = k8sruntime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(Scheme))
	utilruntime.Must(hostingv1.AddToScheme(Scheme))
	utilruntime.Must(externaldnsv1.AddToScheme(Scheme))
}

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
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases"), edns},
		ErrorIfCRDPathMissing: true,
	}
	api := env.ControlPlane.GetAPIServer()
	api.Configure().Set("service-cluster-ip-range", "10.96.0.0/16")
	api.Configure().Set("authorization-mode", "RBAC")
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
	for _, f := range []string{"config/policies/approval-chain.yaml", "config/officials/roles.yaml"} {
		if err := e.ApplyFile(ctx, filepath.Join(RepoRoot(), f)); err != nil {
			_ = env.Stop()
			return nil, err
		}
	}
	return e, nil
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

// WaitForPolicies waits until the admission policies refuse what they must: the
// API server loads them asynchronously after they are created.
func (e *Env) WaitForPolicies(ctx context.Context, probe func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := probe()
		if err != nil && (apierrors.IsForbidden(err) || apierrors.IsInvalid(err)) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("admission policies not effective after 30s (last: %v)", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
