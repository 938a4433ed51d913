package deploy

// Installing without the test stack: make install and make deploy with nothing but a
// kubectl on PATH, make build-installer's dist/install.yaml, and the Helm chart
// charts/subdomain-operator (rendered, compared with config/, dry-run, and installed,
// upgraded, uninstalled and installed again on an API server of its own).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	sigsyaml "sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

const (
	chartDir    = "charts/subdomain-operator"
	releaseName = "subdomain-operator"
	// The groups config/officials/example-bindings.yaml binds, as chart values.
	exampleGroupValues = `officials:
  groups:
    kepala-dinas: ["diskominfo:kepala-dinas"]
    kepala-bidang-informatika: ["diskominfo:kepala-bidang-informatika"]
    kepala-seksi-ti-persandian: ["diskominfo:kepala-seksi-ti-persandian"]
    applicant: ["opd:applicants"]
    auditor: ["diskominfo:auditors"]
    platform-admin: ["diskominfo:platform-admins"]
`
	installerImage = "registry.example/subdomain-operator:v0.1.0"
)

// ---- helpers ---------------------------------------------------------------------

// cluster is an API server of this file's own, with nothing of this project installed
// (a new cluster), and kubeconfigs for the suite's people on it.
type cluster struct {
	env        *testenv.Env
	kubeconfig map[string]string
}

// startCluster starts a second control plane, empty but for the CRDs in crdDirs.
// The suite's own (internal/testenv) has the CRD, the policies and the roles applied
// already, which would hide whether make install or helm install bring them.
func startCluster(dir string, users map[string][]string, crdDirs ...string) *cluster {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		assets = filepath.Join(testenv.RepoRoot(), "bin", "k8s")
	}
	e := &envtest.Environment{BinaryAssetsDirectory: assets, CRDDirectoryPaths: crdDirs, ErrorIfCRDPathMissing: true}
	api := e.ControlPlane.GetAPIServer()
	api.Configure().Set("service-cluster-ip-range", "10.96.0.0/16")
	api.Configure().Set("authorization-mode", "RBAC")
	cfg, err := e.Start()
	Expect(err).NotTo(HaveOccurred())
	c, err := client.New(cfg, client.Options{Scheme: testenv.Scheme})
	Expect(err).NotTo(HaveOccurred())
	env := &testenv.Env{Environment: e, Config: cfg, Client: c}
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	kc, err := env.WriteKubeconfigs(dir, users)
	Expect(err).NotTo(HaveOccurred())
	return &cluster{env: env, kubeconfig: kc}
}

func (c *cluster) stop() {
	if c != nil && c.env != nil {
		Expect(c.env.Stop()).To(Succeed())
	}
}

// kubectl runs the pinned kubectl as a user of this cluster.
func (c *cluster) kubectl(user, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", c.kubeconfig[user]}, args...)...)
	cmd.Dir = testenv.RepoRoot()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (c *cluster) mustKubectl(user, stdin string, args ...string) string {
	out, err := c.kubectl(user, stdin, args...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	return out
}

// allExist fails unless every object of a manifest exists on the cluster.
func (c *cluster) allExist(manifests string) {
	out, err := c.kubectl("admin", manifests, "get", "-f", "-", "-o", "name")
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	ExpectWithOffset(1, strings.Count(strings.TrimSpace(out), "\n")+1).To(Equal(len(topLevelKind.FindAllString(manifests, -1))), out)
}

// runMake runs a target of the project's Makefile with exactly the environment given
// (besides HOME, GOPATH and the Go caches): nothing of the caller's KUBECONFIG,
// KUBECTL or make flags leaks in. A target that hangs fails instead.
func runMake(env []string, target string, vars ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, makeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory", target}, vars...)...)
	cmd.Dir = testenv.RepoRoot()
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "HOME", "GOPATH", "GOCACHE", "GOMODCACHE", "GOFLAGS", "GOPROXY", "GONOSUMDB", "GOPRIVATE", "TMPDIR":
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("make %s did not finish in %s: %w", target, makeTimeout, ctx.Err())
	}
	return string(out), err
}

// kubectlOnlyPath is a PATH on which the only kubectl is a symlink to the pinned one,
// in a directory of its own, first: it shadows any kubectl of the machine, and bin/k8s
// (or bin/, which links bin/kubectl) is not on it. The rest is the system's (bash,
// sed, make, go for controller-gen).
func kubectlOnlyPath(dir string) string {
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	link := filepath.Join(dir, "kubectl")
	_ = os.Remove(link)
	Expect(os.Symlink(kubectlBin, link)).To(Succeed())
	entries, err := os.ReadDir(dir)
	Expect(err).NotTo(HaveOccurred())
	Expect(entries).To(HaveLen(1))
	path := []string{dir}
	bin := filepath.Join(testenv.RepoRoot(), "bin")
	for _, p := range filepath.SplitList(os.Getenv("PATH")) {
		if abs, err := filepath.Abs(p); err == nil && (abs == bin || strings.HasPrefix(abs, bin+string(filepath.Separator))) {
			continue
		}
		path = append(path, p)
	}
	return strings.Join(path, string(filepath.ListSeparator))
}

// objects decodes a multi-document YAML into objects, skipping empty documents.
func objects(manifests string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifests), 4096)
	for {
		u := &unstructured.Unstructured{}
		err := dec.Decode(&u.Object)
		if errors.Is(err, io.EOF) {
			return out
		}
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

func objectKey(u *unstructured.Unstructured) string {
	return u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
}

func byKey(objs []*unstructured.Unstructured) map[string]*unstructured.Unstructured {
	m := map[string]*unstructured.Unstructured{}
	for _, u := range objs {
		ExpectWithOffset(1, m).NotTo(HaveKey(objectKey(u)), "rendered twice")
		m[objectKey(u)] = u
	}
	return m
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	Fail(fmt.Sprintf("no %s %s among the %d objects", kind, name, len(objs)), 1)
	return nil
}

// helm runs the pinned Helm CLI (bin/helm, which make test-tools builds) with its
// caches and configuration in the suite's work directory.
func helm(args ...string) (string, error) {
	home := filepath.Join(workDir, "helm-home")
	cmd := exec.CommandContext(ctx, helmBin(), args...)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config",
		"HELM_DATA_HOME="+home+"/data", "KUBECONFIG=/dev/null")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustHelm(args ...string) string {
	out, err := helm(args...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	return out
}

var pinnedHelm = regexp.MustCompile(`(?m)^HELM_VERSION := (\S+)$`)

// helmBin is bin/helm, checked to be the version the Makefile pins; a missing one is
// a failure, never a skip.
func helmBin() string {
	bin := filepath.Join(testenv.RepoRoot(), "bin", "helm")
	makefile, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Makefile"))
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	m := pinnedHelm.FindSubmatch(makefile)
	ExpectWithOffset(2, m).NotTo(BeNil(), "the Makefile pins no HELM_VERSION")
	out, err := exec.Command(bin, "version", "--template", "{{.Version}}").CombinedOutput()
	ExpectWithOffset(2, err).NotTo(HaveOccurred(), "bin/helm is missing or broken: run 'make test-tools' (make test does it): %s", out)
	ExpectWithOffset(2, strings.TrimSpace(string(out))).To(Equal(string(m[1])), "bin/helm is not the pinned Helm: rm bin/helm && make helm")
	return bin
}

// template renders the chart into namespace with extra values files' contents.
func template(namespace string, values ...string) (string, error) {
	args := []string{"template", releaseName, chartDir, "-n", namespace, "--kube-version", "1.37.2"}
	for i, v := range values {
		f := filepath.Join(workDir, fmt.Sprintf("values-%d-%d.yaml", GinkgoParallelProcess(), i))
		Expect(os.WriteFile(f, []byte(v), 0o644)).To(Succeed())
		args = append(args, "-f", f)
	}
	return helm(args...)
}

func mustTemplate(namespace string, values ...string) string {
	out, err := template(namespace, values...)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	return out
}

// printedPolicySettings is what `manager --print-policy-settings` prints for the
// configuration file the chart rendered into operator-config.
func printedPolicySettings(rendered []*unstructured.Unstructured) *corev1.ConfigMap {
	data, _, _ := unstructured.NestedStringMap(find(rendered, "ConfigMap", "subdomain-operator-operator-config").Object, "data")
	f := filepath.Join(workDir, "chart-config.yaml")
	ExpectWithOffset(1, os.WriteFile(f, []byte(data["config.yaml"]), 0o644)).To(Succeed())
	out, err := exec.CommandContext(ctx, managerBin, "--config="+f, "--print-policy-settings").Output()
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "the chart's configuration: %s", data["config.yaml"])
	cm := &corev1.ConfigMap{}
	ExpectWithOffset(1, sigsyaml.Unmarshal(out, cm)).To(Succeed())
	return cm
}

func chartPolicySettings(rendered []*unstructured.Unstructured) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{}
	u := find(rendered, "ConfigMap", "policy-settings")
	data, err := sigsyaml.Marshal(u.Object)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ExpectWithOffset(1, sigsyaml.Unmarshal(data, cm)).To(Succeed())
	return cm
}

// loadConfig is the configuration the operator makes of a file, as JSON (quantities
// compare by value).
func loadConfig(text string) string {
	f := filepath.Join(workDir, "compare-config.yaml")
	ExpectWithOffset(1, os.WriteFile(f, []byte(text), 0o644)).To(Succeed())
	cfg, err := config.Load(f)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), text)
	data, err := json.Marshal(cfg)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return string(data)
}

// comparableObject strips what only says who installed an object (Helm's and the
// chart's labels and annotations, the pod template's config checksum) and the image.
func comparableObject(u *unstructured.Unstructured) map[string]any {
	o := u.DeepCopy()
	for _, field := range [][]string{{"metadata", "labels"}, {"metadata", "annotations"}} {
		m, _, _ := unstructured.NestedStringMap(o.Object, field...)
		for k := range m {
			if strings.HasPrefix(k, "helm.sh/") || strings.HasPrefix(k, "meta.helm.sh/") || k == "app.kubernetes.io/managed-by" ||
				k == "app.kubernetes.io/instance" || k == "app.kubernetes.io/version" ||
				(k == "app.kubernetes.io/name" && u.GetKind() != "Deployment") {
				delete(m, k)
			}
		}
		if len(m) == 0 {
			unstructured.RemoveNestedField(o.Object, field...)
		} else {
			Expect(unstructured.SetNestedStringMap(o.Object, m, field...)).To(Succeed())
		}
	}
	if o.GetKind() == "Deployment" {
		unstructured.RemoveNestedField(o.Object, "spec", "template", "metadata", "annotations")
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		for _, c := range containers {
			c.(map[string]any)["image"] = "IMAGE"
			delete(c.(map[string]any), "imagePullPolicy")
		}
		Expect(unstructured.SetNestedSlice(o.Object, containers, "spec", "template", "spec", "containers")).To(Succeed())
	}
	// Through JSON, so that numbers and empty lists compare alike on both sides.
	data, err := o.MarshalJSON()
	Expect(err).NotTo(HaveOccurred())
	out := map[string]any{}
	Expect(sigsyaml.Unmarshal(data, &out)).To(Succeed())
	return foldLines(out).(map[string]any)
}

// foldLines collapses the white space of strings that span lines. Helm reads the
// files with go-yaml v2, which keeps an extra line break before the more-indented
// lines of a folded scalar (">-" CEL expressions), where kustomize does not (nor
// does the YAML spec); kubectl apply -f of the same file reads it as Helm does. For
// CEL, and for a description, it is the same text.
func foldLines(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			v[k] = foldLines(x)
		}
	case []any:
		for i, x := range v {
			v[i] = foldLines(x)
		}
	case string:
		if strings.Contains(v, "\n") {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return v
}

func rulesOf(u *unstructured.Unstructured) []rbacv1.PolicyRule {
	data, err := sigsyaml.Marshal(u.Object)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	role := &rbacv1.ClusterRole{}
	ExpectWithOffset(1, sigsyaml.Unmarshal(data, role)).To(Succeed())
	return role.Rules
}

func kept(u *unstructured.Unstructured) bool {
	return u.GetAnnotations()["helm.sh/resource-policy"] == "keep"
}

// ---- make install, make deploy, make build-installer -----------------------------

var _ = Describe("installing without the test stack", Ordered, func() {
	var (
		fresh    *cluster
		makeEnv  []string
		pathDir  string
		kubectls = regexp.MustCompile(`(?m)^(\S*)kubectl (apply|kustomize)`)
	)

	BeforeAll(func() {
		fresh = startCluster(filepath.Join(workDir, "make-cluster"), map[string][]string{"admin": {"system:masters"}})
		pathDir = filepath.Join(workDir, "kubectl-only")
		makeEnv = []string{"PATH=" + kubectlOnlyPath(pathDir), "KUBECONFIG=" + fresh.kubeconfig["admin"]}
	})
	AfterAll(func() { fresh.stop() })

	// ranKubectlFromPath checks that every kubectl the target ran was the one on PATH.
	ranKubectlFromPath := func(out string) {
		runs := kubectls.FindAllStringSubmatch(out, -1)
		ExpectWithOffset(1, runs).NotTo(BeEmpty(), out)
		for _, r := range runs {
			ExpectWithOffset(1, r[1]).To(BeEmpty(), "a kubectl not from PATH: %s", r[0])
		}
		ExpectWithOffset(1, out).NotTo(ContainSubstring("bin/k8s"))
		ExpectWithOffset(1, out).NotTo(Or(ContainSubstring("build-test-binaries"), ContainSubstring("install-test-tools"), ContainSubstring("apt-get")))
	}

	It("runs make with a PATH whose only kubectl is a symlink to the pinned one", func() {
		cmd := exec.Command("bash", "-c", "command -v kubectl")
		cmd.Env = makeEnv
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.TrimSpace(string(out))).To(Equal(filepath.Join(pathDir, "kubectl")))
	})

	It("make install brings the CRD, the policies with the operator's Namespace, policy-settings and the 32 granted-hosts maps, and the officials' roles", func() {
		for _, name := range []string{"crd/subdomainrequests.hosting.kuduskab.go.id", "namespace/" + operatorNamespace} {
			out, err := fresh.kubectl("admin", "", "get", name)
			Expect(err).To(HaveOccurred(), "a new cluster has no %s: %s", name, out)
		}
		out, err := runMake(makeEnv, "install")
		Expect(err).NotTo(HaveOccurred(), out)
		ranKubectlFromPath(out)

		fresh.mustKubectl("admin", "", "wait", "--for=condition=Established", "crd/subdomainrequests.hosting.kuduskab.go.id", "--timeout=30s")
		Expect(fresh.mustKubectl("admin", "", "get", "namespace", operatorNamespace,
			"-o", "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}")).To(Equal("restricted"))
		Expect(fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmap", "policy-settings",
			"-o", "jsonpath={.data.baseDomain}")).To(Equal("kuduskab.go.id"))
		maps := fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmaps", "-l", hostingv1.GrantShardLabel+"=granted-hosts", "-o", "name")
		Expect(strings.Fields(maps)).To(HaveLen(grants.Shards))
		for _, dir := range []string{"config/crd", "config/policies"} {
			fresh.allExist(mustKubectl("admin", "", "kustomize", dir))
		}
		fresh.allExist(readFile("config/officials/roles.yaml"))
	})

	It("make deploy IMG=... installs the operator with that image and its PodDisruptionBudget", func() {
		out, err := runMake(makeEnv, "deploy", "IMG="+installerImage)
		Expect(err).NotTo(HaveOccurred(), out)
		ranKubectlFromPath(out)
		fresh.allExist(mustKubectl("admin", "", "kustomize", "config/default"))
		Expect(fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "deployment", "subdomain-operator-controller-manager",
			"-o", "jsonpath={.spec.template.spec.containers[0].image}")).To(Equal(installerImage))
		Expect(fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "pdb", "subdomain-operator-controller-manager",
			"-o", "jsonpath={.spec.minAvailable} {.spec.selector.matchLabels.control-plane}")).To(Equal("1 controller-manager"))
	})

	It("make build-installer IMG=... writes dist/install.yaml: config/default with that image, which the API server accepts", func() {
		installer := filepath.Join(testenv.RepoRoot(), "dist", "install.yaml")
		// Put back whatever dist/install.yaml held before (dist/ is git-ignored).
		if previous, err := os.ReadFile(installer); err == nil {
			DeferCleanup(os.WriteFile, installer, previous, os.FileMode(0o644))
		} else {
			DeferCleanup(os.Remove, installer)
		}
		out, err := runMake(makeEnv, "build-installer", "IMG="+installerImage)
		Expect(err).NotTo(HaveOccurred(), out)
		ranKubectlFromPath(out)
		data, err := os.ReadFile(installer)
		Expect(err).NotTo(HaveOccurred())
		manifests := string(data)
		Expect(manifests).To(ContainSubstring("image: " + installerImage + "\n"))
		Expect(manifests).NotTo(ContainSubstring("controller:latest"))
		want := byKey(objects(mustKubectl("admin", "", "kustomize", "config/default")))
		got := byKey(objects(manifests))
		Expect(got).To(HaveLen(len(want)))
		for k := range want {
			Expect(got).To(HaveKey(k))
		}
		// On the suite's API server, where the operator's Namespace exists (a dry run
		// creates nothing, so namespaced objects need it).
		out = mustKubectl("admin", manifests, "apply", "--server-side", "--dry-run=server",
			"--field-manager=installer", "--force-conflicts", "-f", "-")
		Expect(strings.Count(out, "(server dry run)")).To(Equal(len(want)), out)
	})
})

// ---- the Helm chart -----------------------------------------------------------------

var _ = Describe("the Helm chart charts/subdomain-operator", Ordered, func() {
	var rendered string

	BeforeAll(func() { helmBin() })

	It("holds the same CRD, ClusterRole, policies and officials' roles as config/ (make manifests copies them)", func() {
		root := testenv.RepoRoot()
		policies, err := filepath.Glob(filepath.Join(root, "config", "policies", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		copies := map[string]string{
			"config/crd/bases/hosting.kuduskab.go.id_subdomainrequests.yaml": "files/crd/hosting.kuduskab.go.id_subdomainrequests.yaml",
			"config/rbac/role.yaml":       "files/rbac/role.yaml",
			"config/officials/roles.yaml": "files/officials/roles.yaml",
		}
		for _, p := range policies {
			switch filepath.Base(p) {
			case "kustomization.yaml", "namespace.yaml", "settings.yaml", "granted-hosts.yaml": // rendered from values
			default:
				copies["config/policies/"+filepath.Base(p)] = "files/policies/" + filepath.Base(p)
			}
		}
		inChart, err := filepath.Glob(filepath.Join(root, chartDir, "files", "*", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(inChart).To(HaveLen(len(copies)), "the chart's files/ holds a file config/ no longer has: run make manifests")
		for src, dst := range copies {
			a, err := os.ReadFile(filepath.Join(root, src))
			Expect(err).NotTo(HaveOccurred())
			b, err := os.ReadFile(filepath.Join(root, chartDir, dst))
			Expect(err).NotTo(HaveOccurred(), "run make manifests")
			Expect(string(b)).To(Equal(string(a)), "%s/%s differs from %s: run make manifests", chartDir, dst, src)
		}
	})

	It("renders with helm template, and the API server accepts every object in a server-side dry run", func() {
		rendered = mustTemplate(operatorNamespace, exampleGroupValues)
		kinds := len(topLevelKind.FindAllString(rendered, -1))
		Expect(kinds).To(BeNumerically(">=", 70)) // 32 granted-hosts maps among them
		mustKubectl("admin", "", "get", "namespace", operatorNamespace)
		out := mustKubectl("admin", rendered, "apply", "--server-side", "--dry-run=server", "--field-manager=helm-dry-run", "--force-conflicts", "-f", "-")
		Expect(strings.Count(out, "(server dry run)")).To(Equal(kinds), out)
	})

	It("gives the operator's ClusterRole exactly the rules of config/rbac/role.yaml", func() {
		data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "rbac", "role.yaml"))
		Expect(err).NotTo(HaveOccurred())
		want := rulesOf(find(objects(string(data)), "ClusterRole", "manager-role"))
		Expect(want).NotTo(BeEmpty())
		Expect(rulesOf(find(objects(rendered), "ClusterRole", "subdomain-operator-manager-role"))).To(Equal(want))
	})

	It("renders what config/default renders (but the Namespace, which helm install --create-namespace makes); helm uninstall keeps what make undeploy keeps", func() {
		defaults := objects(mustKubectl("admin", "", "kustomize", "config/default"))
		chart := byKey(objects(rendered))
		operator := byKey(objects(mustKubectl("admin", "", "kustomize", "config/operator")))
		Expect(chart).To(HaveLen(len(defaults) - 1))
		for _, want := range defaults {
			key := objectKey(want)
			if want.GetKind() == "Namespace" {
				Expect(chart).NotTo(HaveKey(key))
				continue
			}
			Expect(chart).To(HaveKey(key))
			got := chart[key]
			if key == "ConfigMap "+operatorNamespace+"/subdomain-operator-operator-config" {
				// The same configuration, written out in full by the chart.
				w, _, _ := unstructured.NestedString(want.Object, "data", "config.yaml")
				g, _, _ := unstructured.NestedString(got.Object, "data", "config.yaml")
				Expect(loadConfig(g)).To(MatchJSON(loadConfig(w)))
				want, got = want.DeepCopy(), got.DeepCopy()
				unstructured.RemoveNestedField(want.Object, "data")
				unstructured.RemoveNestedField(got.Object, "data")
			}
			Expect(comparableObject(got)).To(Equal(comparableObject(want)), key)
			// What make undeploy leaves (all but config/operator) carries keep, but the
			// officials' bindings, which the values make: a group taken out of them
			// must lose the role on helm upgrade.
			_, ofOperator := operator[key]
			isBinding := want.GetKind() == "ClusterRoleBinding" && strings.HasPrefix(want.GetName(), "subdomain-") &&
				!strings.HasPrefix(want.GetName(), "subdomain-operator-")
			Expect(kept(got)).To(Equal(!ofOperator && !isBinding), "helm.sh/resource-policy of %s", key)
		}
	})

	It("renders nothing of the portal by default, and with portal.enabled the ServiceAccount, Deployment and Service of config/portal, with no RBAC", func() {
		isPortal := func(u *unstructured.Unstructured) bool {
			return strings.Contains(u.GetName(), "portal") || u.GetLabels()["app.kubernetes.io/component"] == "portal"
		}
		without := objects(rendered)
		for _, u := range without {
			Expect(isPortal(u)).To(BeFalse(), "portal.enabled is false by default, yet the chart renders %s", objectKey(u))
		}

		enabled := objects(mustTemplate(operatorNamespace, exampleGroupValues, "portal:\n  enabled: true\n"))
		want := objects(mustKubectl("admin", "", "kustomize", "config/portal"))
		Expect(want).To(HaveLen(3))
		// The same objects as without the portal, and those of config/portal: nothing else
		// (no Role, ClusterRole or binding for the portal).
		Expect(enabled).To(HaveLen(len(without) + len(want)))
		chart := byKey(enabled)
		for _, u := range without {
			Expect(chart).To(HaveKey(objectKey(u)))
		}
		for _, w := range want {
			key := objectKey(w)
			Expect(chart).To(HaveKey(key))
			Expect(comparableObject(chart[key])).To(Equal(comparableObject(w)), key)
		}
		for _, u := range enabled {
			if u.GetKind() != "RoleBinding" && u.GetKind() != "ClusterRoleBinding" {
				continue
			}
			subjects, _, _ := unstructured.NestedSlice(u.Object, "subjects")
			for _, sub := range subjects {
				Expect(sub).NotTo(HaveKeyWithValue("name", "subdomain-portal"), "%s binds the portal's ServiceAccount", objectKey(u))
			}
		}

		By("the pod: no token, restricted")
		d := chart["Deployment "+operatorNamespace+"/subdomain-portal"]
		pod, _, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec")
		Expect(pod).To(HaveKeyWithValue("automountServiceAccountToken", false))
		Expect(pod).To(HaveKeyWithValue("serviceAccountName", "subdomain-portal"))
		Expect(pod["securityContext"]).To(HaveKeyWithValue("runAsNonRoot", true))
		container := pod["containers"].([]any)[0].(map[string]any)
		Expect(container["command"]).To(Equal([]any{"/portal"}))
		Expect(container["securityContext"]).To(And(HaveKeyWithValue("allowPrivilegeEscalation", false),
			HaveKeyWithValue("readOnlyRootFilesystem", true), HaveKeyWithValue("capabilities", HaveKeyWithValue("drop", []any{"ALL"})),
			HaveKeyWithValue("seccompProfile", HaveKeyWithValue("type", "RuntimeDefault"))))
		Expect(chart["ServiceAccount "+operatorNamespace+"/subdomain-portal"].Object).To(HaveKeyWithValue("automountServiceAccountToken", false))

		By("the API server accepts them, with the pod under the restricted Pod Security Standard")
		var portalObjects []string
		for _, w := range want {
			data, err := sigsyaml.Marshal(chart[objectKey(w)].Object)
			Expect(err).NotTo(HaveOccurred())
			portalObjects = append(portalObjects, string(data))
		}
		out := mustKubectl("admin", strings.Join(portalObjects, "---\n"), "apply", "--server-side", "--dry-run=server",
			"--field-manager=helm-dry-run", "--force-conflicts", "-f", "-")
		Expect(strings.Count(out, "(server dry run)")).To(Equal(len(want)), out)
		Expect(out).NotTo(ContainSubstring("violate PodSecurity"))
	})

	It("renders the portal's values (provider, image, Service, Ingress), and refuses values that cannot work", func() {
		values := `portal:
  enabled: true
  issuerURL: https://sso.example.test/realms/kudus
  issuerCAConfigMap: sso-ca
  clientID: portal-kudus
  redirectURL: https://portal.example.test/auth/callback
  lang: en
  image: {repository: registry.example/subdomain-operator, tag: v0.2.0}
  resources: {requests: {cpu: 20m, memory: 48Mi}, limits: {memory: 96Mi}}
  service: {type: NodePort, port: 8080}
  ingress: {host: portal.example.test, className: nginx, tlsSecretName: portal-tls}
`
		objs := objects(mustTemplate(operatorNamespace, exampleGroupValues, values))
		d := find(objs, "Deployment", "subdomain-portal")
		container, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		c := container[0].(map[string]any)
		Expect(c["image"]).To(Equal("registry.example/subdomain-operator:v0.2.0"))
		Expect(c["args"]).To(Equal([]any{"--listen=:8080", "--issuer-url=https://sso.example.test/realms/kudus",
			"--issuer-ca-file=/etc/portal/issuer-ca/ca.crt", "--client-id=portal-kudus",
			"--redirect-url=https://portal.example.test/auth/callback", "--api-server=https://kubernetes.default.svc",
			"--api-server-ca-file=/etc/portal/kube-ca/ca.crt", "--base-domain=kuduskab.go.id", "--lang=en", "--cookie-secure=true"}))
		Expect(c["resources"]).To(Equal(map[string]any{"requests": map[string]any{"cpu": "20m", "memory": "48Mi"},
			"limits": map[string]any{"memory": "96Mi"}}))
		volumes, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "volumes")
		Expect(volumes).To(ContainElement(HaveKeyWithValue("configMap", HaveKeyWithValue("name", "sso-ca"))))
		svc := find(objs, "Service", "subdomain-portal")
		Expect(svc.Object["spec"]).To(And(HaveKeyWithValue("type", "NodePort"),
			HaveKeyWithValue("ports", ContainElement(HaveKeyWithValue("port", BeNumerically("==", 8080))))))
		ing := find(objs, "Ingress", "subdomain-portal")
		spec, _, _ := unstructured.NestedMap(ing.Object, "spec")
		Expect(spec).To(HaveKeyWithValue("ingressClassName", "nginx"))
		Expect(spec["tls"]).To(ConsistOf(map[string]any{"hosts": []any{"portal.example.test"}, "secretName": "portal-tls"}))
		Expect(spec["rules"]).To(ConsistOf(HaveKeyWithValue("host", "portal.example.test")))
		paths, _, _ := unstructured.NestedSlice(spec["rules"].([]any)[0].(map[string]any), "http", "paths")
		Expect(paths).To(ConsistOf(HaveKeyWithValue("backend", map[string]any{"service": map[string]any{"name": "subdomain-portal",
			"port": map[string]any{"name": "http"}}})))
		By("the API server accepts the Ingress, its host outside the base domain")
		data, err := sigsyaml.Marshal(ing.Object)
		Expect(err).NotTo(HaveOccurred())
		out := mustKubectl("admin", string(data), "apply", "--server-side", "--dry-run=server", "--field-manager=helm-dry-run", "-f", "-")
		Expect(out).To(ContainSubstring("(server dry run)"))

		By("a host under the base domain only from a legacy namespace, as the admission policies allow it")
		under := "portal:\n  enabled: true\n  ingress: {host: portal.kuduskab.go.id}\n"
		out, err = template(operatorNamespace, under)
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("portal.ingress.host portal.kuduskab.go.id is under config.baseDomain kuduskab.go.id"))
		Expect(out).To(ContainSubstring("unless the release's namespace " + operatorNamespace + " is in config.legacyNamespaces"))
		objs = objects(mustTemplate(operatorNamespace, under, "config:\n  legacyNamespaces: ["+operatorNamespace+"]\n"))
		Expect(find(objs, "Ingress", "subdomain-portal").Object["spec"]).To(HaveKeyWithValue("rules", ConsistOf(HaveKeyWithValue("host", "portal.kuduskab.go.id"))))

		By("the provider's redirect must come back to the Ingress's host; the language is id or en")
		out, err = template(operatorNamespace, "portal:\n  enabled: true\n  ingress: {host: portal.example.test}\n")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("portal.redirectURL https://portal.kuduskab.go.id/auth/callback is not on portal.ingress.host portal.example.test"))
		out, err = template(operatorNamespace, "portal:\n  enabled: true\n  lang: jv\n")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("portal.lang must be id or en, not jv"))
	})

	It("renders policy-settings equal to what manager --print-policy-settings prints for the chart's configuration", func() {
		cases := map[string]struct {
			namespace string
			values    string
		}{
			"the default values": {operatorNamespace, ""},
			"another platform, in another namespace": {"kudus-hosting", `config:
  baseDomain: Demakkab.go.id.
  namespacePrefix: situs-
  ingressTarget: {ips: null, cname: ingress.demakkab.go.id}
  reservedNames: [www, mail]
  legacyNamespaces: [portal, legacy-web]
  groupPattern: "^unit:[a-z]+$"
  podSecurity: baseline
  grantedHosts: {name: hosts}
  dns: null
  notification: null
`},
			"fields left out take the operator's defaults": {operatorNamespace, `config:
  baseDomain: null
  namespacePrefix: null
  ingressTarget: null
  reservedNames: null
  legacyNamespaces: null
  groupPattern: null
  podSecurity: null
  grantedHosts: null
`},
		}
		for name, tc := range cases {
			By(name)
			out := mustTemplate(tc.namespace, tc.values)
			objs := objects(out)
			want := printedPolicySettings(objs)
			got := chartPolicySettings(objs)
			Expect(got.Namespace).To(Equal(tc.namespace))
			Expect(got.Namespace + "/" + got.Name).To(Equal(want.Namespace + "/" + want.Name))
			Expect(got.Data).To(Equal(want.Data))
			// Everything that names the namespace or the maps follows the values.
			gh := want.Data["grantedHostsName"]
			for i := 0; i < grants.Shards; i++ {
				m := find(objs, "ConfigMap", fmt.Sprintf("%s-%02d", gh, i))
				Expect(m.GetNamespace()).To(Equal(tc.namespace))
				Expect(m.GetLabels()).To(HaveKeyWithValue(hostingv1.GrantShardLabel, gh))
			}
			hijacking := find(objs, "ValidatingAdmissionPolicyBinding", "ingress-host-hijacking.hosting.kuduskab.go.id")
			selector, _, _ := unstructured.NestedStringMap(hijacking.Object, "spec", "paramRef", "selector", "matchLabels")
			Expect(selector).To(Equal(map[string]string{hostingv1.GrantShardLabel: gh}))
			if tc.namespace != operatorNamespace {
				Expect(out).NotTo(ContainSubstring(operatorNamespace))
				confinement := find(objs, "ValidatingAdmissionPolicy", "operator-confinement.hosting.kuduskab.go.id")
				conditions, _, _ := unstructured.NestedSlice(confinement.Object, "spec", "matchConditions")
				Expect(conditions).To(ContainElement(HaveKeyWithValue("expression",
					"'system:serviceaccounts:"+tc.namespace+"' in request.userInfo.groups")))
			}
		}
	})

	It("refuses values that would leave the operator and the policies disagreeing", func() {
		out, err := template(operatorNamespace, "config:\n  grantedHosts: {namespace: elsewhere}\n")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("config.grantedHosts.namespace is elsewhere"))
		out, err = template(operatorNamespace, "config:\n  ingressTarget: {cname: ingress.kuduskab.go.id}\n")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("takes ips or cname, not both"))
		out, err = template(operatorNamespace, "officials:\n  groups:\n    kepala-dinass: [x]\n")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("officials.groups.kepala-dinass: no such role"))
	})
})

// helm install on an API server of its own: the suite's has the CRD, the policies, the
// Namespace and the granted-hosts maps applied by internal/testenv already, and Helm
// refuses to install over objects it did not make (adopting them with
// --take-ownership would hide whether the chart brings them). A second control plane
// with nothing of this project is what a platform team installs on.
var _ = Describe("helm install on a new cluster", Ordered, func() {
	const request = "helmsite"
	var (
		fresh  *cluster
		values string
		// The ServiceAccount the chart makes, as the API server names it.
		chartOperator = "system:serviceaccount:" + operatorNamespace + ":subdomain-operator-controller-manager"
		operator      *harness.Process
	)
	helmAt := func(args ...string) string {
		return mustHelm(append(args, "--kubeconfig", fresh.kubeconfig["admin"])...)
	}

	BeforeAll(func() {
		helmBin()
		edns, err := testenv.ExternalDNSCRDDir()
		Expect(err).NotTo(HaveOccurred())
		gatewayAPI, err := testenv.GatewayAPICRDDir()
		Expect(err).NotTo(HaveOccurred())
		certManager, err := testenv.CertManagerCRDDir()
		Expect(err).NotTo(HaveOccurred())
		// external-dns's DNSEndpoint CRD, the Gateway API's and cert-manager's, as on a
		// cluster that runs external-dns, routes through the Gateway API and issues
		// certificates (the chart's default configuration).
		fresh = startCluster(filepath.Join(workDir, "helm-cluster"), testenv.People(chartOperator), edns, gatewayAPI, certManager)
		// No kubelet, Gateway controller or cert-manager runs here: the stand-in writes
		// the status they would, so that the site can become Ready.
		standIn := &harness.StandIn{Client: fresh.env.Client, NamespacePrefix: "web-", Address: "203.0.113.10"}
		standInCtx, stopStandIn := context.WithCancel(ctx)
		DeferCleanup(stopStandIn)
		go standIn.Run(standInCtx, 300*time.Millisecond)
		// No DNS server or mail server to ask in this test; the officials' groups of
		// the suite's people.
		values = filepath.Join(workDir, "helm-values.yaml")
		// And the portal, whose ServiceAccount must get nothing.
		Expect(os.WriteFile(values, []byte(exampleGroupValues+"config:\n  dns: null\n  notification: null\nportal:\n  enabled: true\n"), 0o644)).To(Succeed())
	})
	AfterAll(func() {
		if operator != nil {
			operator.Stop()
		}
		fresh.stop()
	})

	It("installs everything the chart renders into a new namespace, and the policies act", func() {
		out, err := fresh.kubectl("admin", "", "get", "namespace", operatorNamespace)
		Expect(err).To(HaveOccurred(), out)
		out = helmAt("install", releaseName, chartDir, "-n", operatorNamespace, "--create-namespace", "-f", values)
		Expect(out).To(ContainSubstring("STATUS: deployed"))
		Expect(helmAt("status", releaseName, "-n", operatorNamespace)).To(ContainSubstring("STATUS: deployed"))
		manifest := helmAt("get", "manifest", releaseName, "-n", operatorNamespace)
		Expect(len(topLevelKind.FindAllString(manifest, -1))).To(BeNumerically(">=", 70))
		fresh.allExist(manifest)
		fresh.mustKubectl("admin", "", "wait", "--for=condition=Established", "crd/subdomainrequests.hosting.kuduskab.go.id", "--timeout=30s")

		By("the policies, once the API server loaded them, refuse the apex and stamp the applicant")
		Eventually(func() string {
			out, _ := fresh.kubectl("admin", "", "-n", "default", "create", "ingress", "apex", "--rule=kuduskab.go.id/=web:80", "--dry-run=server")
			return out
		}).Should(ContainSubstring("the apex kuduskab.go.id cannot be served"))
		Eventually(func() string {
			out, _ := fresh.kubectl("pemohon-dinkes", siteRequest(request), "create", "--dry-run=server", "-f", "-",
				"-o", "jsonpath={.metadata.annotations.hosting\\.kuduskab\\.go\\.id/requested-by}")
			return out
		}).Should(Equal("pemohon-dinkes"))
	})

	It("installs the portal with a ServiceAccount the API server grants nothing: no binding names it, it can read or decide no request", func() {
		fresh.allExist(mustKubectl("admin", "", "kustomize", "config/portal"))
		portalUser := "system:serviceaccount:" + operatorNamespace + ":subdomain-portal"
		var bindings struct {
			Items []rbacv1.RoleBinding `json:"items"`
		}
		Expect(json.Unmarshal([]byte(fresh.mustKubectl("admin", "", "get", "rolebindings,clusterrolebindings", "-A", "-o", "json")), &bindings)).To(Succeed())
		Expect(bindings.Items).NotTo(BeEmpty())
		for _, b := range bindings.Items {
			for _, sub := range b.Subjects {
				Expect(sub.Kind == "ServiceAccount" && sub.Name == "subdomain-portal").To(BeFalse(), "%s %s/%s binds the portal's ServiceAccount", b.Kind, b.Namespace, b.Name)
				Expect(sub.Kind == "User" && sub.Name == portalUser).To(BeFalse(), "%s %s/%s binds the portal's ServiceAccount", b.Kind, b.Namespace, b.Name)
			}
		}
		// kubectl auth can-i answers yes or no on its last line (a warning may come first).
		answer := func(out string) string {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			return lines[len(lines)-1]
		}
		for _, verb := range []string{"get", "list", "watch", "create", "patch", "update", "delete"} {
			out, _ := fresh.kubectl("admin", "", "auth", "can-i", verb, "subdomainrequests.hosting.kuduskab.go.id", "--as="+portalUser)
			Expect(answer(out)).To(Equal("no"), "the portal's ServiceAccount can %s requests: %s", verb, out)
		}
		for _, what := range [][]string{{"get", "secrets", "-A"}, {"create", "subjectaccessreviews.authorization.k8s.io"}, {"impersonate", "users"}} {
			out, _ := fresh.kubectl("admin", "", append([]string{"auth", "can-i"}, append(what, "--as="+portalUser)...)...)
			Expect(answer(out)).To(Equal("no"), "the portal's ServiceAccount can %v: %s", what, out)
		}
		// What the same question gets for an official, so that "no" is not kubectl failing.
		out, _ := fresh.kubectl("admin", "", "auth", "can-i", "get", "subdomainrequests.hosting.kuduskab.go.id", "--as=budi", "--as-group=diskominfo:kepala-dinas")
		Expect(answer(out)).To(Equal("yes"), out)
	})

	It("runs the operator with the chart's configuration, identity and policies: a request goes through to Ready", func() {
		cfg := filepath.Join(workDir, "helm-operator-config.yaml")
		Expect(os.WriteFile(cfg, []byte(fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmap",
			"subdomain-operator-operator-config", "-o", "jsonpath={.data.config\\.yaml}")), 0o644)).To(Succeed())
		var err error
		// As the Deployment would run it (no kubelet here): the ServiceAccount's
		// identity, the mounted configuration, leader election in the release namespace.
		operator, err = harness.Start(workDir, "helm-operator", managerBin, []string{"--kubeconfig=" + fresh.kubeconfig[chartOperator],
			"--config=" + cfg, "--leader-elect", "--leader-election-namespace=" + operatorNamespace,
			"--health-probe-bind-address=0", "--metrics-bind-address=0"})
		Expect(err).NotTo(HaveOccurred())
		// It starts only when the chart's policy-settings agree with its configuration.
		Eventually(func() string {
			Expect(operator.Exited()).To(BeFalse(), operator.Log())
			return operator.Log()
		}).Should(ContainSubstring("Starting workers"))

		fresh.mustKubectl("pemohon-dinkes", siteRequest(request), "apply", "-f", "-")
		for _, a := range [][2]string{{"budi", "kepala-dinas"}, {"agus", "kepala-bidang-informatika"}, {"dewi", "kepala-seksi-ti-persandian"}} {
			fresh.mustKubectl(a[0], "", "annotate", "sdr", request, hostingv1.ApprovalAnnotationPrefix+a[1]+"="+a[0])
		}
		Eventually(func() string {
			Expect(operator.Exited()).To(BeFalse(), operator.Log())
			out, _ := fresh.kubectl("admin", "", "get", "sdr", request, "-o", "jsonpath={.status.phase}")
			return out
		}, "90s").Should(Equal(string(hostingv1.PhaseReady)))
		Expect(grantOf(fresh, request)).To(Equal("web-" + request + " " + request))
	})

	It("helm upgrade changes the configuration and the policy settings together, and leaves the operator's grants", func() {
		helmAt("upgrade", releaseName, chartDir, "-n", operatorNamespace, "-f", values, "--set", "config.legacyNamespaces={portal}")
		Expect(fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmap", "policy-settings",
			"-o", "jsonpath={.data.legacyNamespaces}")).To(Equal("portal"))
		Expect(fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmap", "subdomain-operator-operator-config",
			"-o", "jsonpath={.data.config\\.yaml}")).To(ContainSubstring("legacyNamespaces:\n- portal"))
		Expect(grantOf(fresh, request)).To(Equal("web-" + request + " " + request))
	})

	It("helm uninstall removes the operator (and the portal) only: the register, the policies, the grants and the officials' roles stay", func() {
		operator.Stop()
		operator = nil
		operatorObjects := mustKubectl("admin", "", "kustomize", "config/operator") + "---\n" + mustKubectl("admin", "", "kustomize", "config/portal")
		out := helmAt("uninstall", releaseName, "-n", operatorNamespace)
		Expect(out).To(ContainSubstring("uninstalled"))

		Eventually(func() string {
			out, _ := fresh.kubectl("admin", operatorObjects, "get", "-f", "-", "--ignore-not-found", "-o", "name")
			return strings.TrimSpace(out)
		}).Should(BeEmpty())
		Expect(fresh.mustKubectl("admin", "", "get", "sdr", request, "-o", "jsonpath={.status.phase} {.metadata.deletionTimestamp}")).To(Equal("Ready "))
		Expect(grantOf(fresh, request)).To(Equal("web-" + request + " " + request))
		maps := fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmaps", "-l", hostingv1.GrantShardLabel, "-o", "name")
		Expect(strings.Fields(maps)).To(HaveLen(grants.Shards))
		fresh.mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmap", "policy-settings")
		for _, role := range hostingv1.Roles {
			fresh.mustKubectl("admin", "", "get", "clusterrole", "subdomain-"+string(role))
		}
		fresh.allExist(mustKubectl("admin", "", "kustomize", "config/policies"))
		fresh.allExist(readFile("config/officials/roles.yaml"))
		By("the approval chain still holds, for a cluster administrator too")
		out, err := fresh.kubectl("admin", "", "annotate", "--overwrite", "sdr", request, hostingv1.ApprovalAnnotationPrefix+"kepala-dinas=admin")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("cannot be changed or removed"))
		By("and the host stays protected")
		out, err = fresh.kubectl("admin", "", "-n", "default", "create", "ingress", "steal", "--rule="+request+".kuduskab.go.id/=web:80", "--dry-run=server")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("an Ingress in namespace default cannot serve it"))
	})

	It("helm install again takes the kept objects back", func() {
		out := helmAt("install", releaseName, chartDir, "-n", operatorNamespace, "-f", values)
		Expect(out).To(ContainSubstring("STATUS: deployed"))
		fresh.allExist(helmAt("get", "manifest", releaseName, "-n", operatorNamespace))
		Expect(grantOf(fresh, request)).To(Equal("web-" + request + " " + request))
	})
})

// siteRequest is an applicant's request for a site named name.
func siteRequest(name string) string {
	return fmt.Sprintf(`apiVersion: hosting.kuduskab.go.id/v1alpha1
kind: SubdomainRequest
metadata: {name: %[1]s}
spec:
  subdomain: %[1]s
  applicant: {unit: Dinas %[1]s, contactName: Tester, email: %[1]s@kuduskab.go.id, group: "opd:%[1]s"}
  letter: {number: "555/%[1]s/2026", date: "2026-11-28"}
  purpose: Pengujian
`, name)
}

func readFile(path string) string {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), path))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return string(data)
}

// grantOf is the grant of a request's host in the granted-hosts maps.
func grantOf(c *cluster, name string) string {
	host := name + ".kuduskab.go.id"
	shard := grants.Shard("granted-hosts", host)
	out, err := c.kubectl("admin", "", "-n", operatorNamespace, "get", "configmap", shard,
		"-o", "jsonpath={.data."+strings.ReplaceAll(host, ".", "\\.")+"}")
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	return out
}
