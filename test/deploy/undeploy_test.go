package deploy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// makeTimeout bounds one make run; make test has built the tools already.
var makeTimeout = 3 * time.Minute

// makeTarget runs a target of the project's Makefile, as a platform team would, against
// this suite's API server: KUBECONFIG is the cluster admin's, and KUBECTL= the pinned
// bin/k8s/kubectl does the work (the Makefile's default is the kubectl on PATH).
// Nothing of the caller's environment may confirm or redirect it. A target that hangs
// (kubectl waiting for a deleted Namespace, which envtest never finishes) fails
// instead of stalling the suite.
func makeTarget(target string, vars ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, makeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", append([]string{"--no-print-directory", target, "KUBECTL=" + kubectlBin}, vars...)...)
	cmd.Dir = testenv.RepoRoot()
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "KUBECONFIG", "KUBECTL", "CONFIRM_DELETE_REGISTER", "MAKEFLAGS", "MFLAGS", "MAKELEVEL":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "KUBECONFIG="+kubeconfig["admin"])
	// On timeout, stop make and the kubectl it started, which holds the output pipe.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), fmt.Errorf("make %s did not finish in %s: %w", target, makeTimeout, ctx.Err())
	}
	return string(out), err
}

// Top-level containers run in a random order, so this one installs config/default
// itself and puts it back afterwards: the other specs find it installed whenever they run.
var _ = Describe("make undeploy and make uninstall on an installed cluster", Ordered, func() {
	const request = "arsip"
	const crd = "subdomainrequests.hosting.kuduskab.go.id"
	var defaultManifests, operatorManifests, keptManifests string

	// allExist gets every object of a manifest and fails if one is missing.
	allExist := func(manifests string) {
		out, err := kubectl("admin", manifests, "get", "-f", "-", "-o", "name")
		ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
		ExpectWithOffset(1, strings.Count(strings.TrimSpace(out), "\n")+1).To(Equal(len(topLevelKind.FindAllString(manifests, -1))), out)
	}
	registerIntact := func() {
		mustKubectl("admin", "", "get", "crd", crd)
		Expect(mustKubectl("admin", "", "get", "sdr", request, "-o", "jsonpath={.spec.subdomain} {.metadata.deletionTimestamp}")).To(Equal("arsip "))
		Expect(mustKubectl("admin", "", "get", "namespace", operatorNamespace, "-o", "jsonpath={.status.phase}")).To(Equal("Active"))
		allExist(keptManifests)
	}

	BeforeAll(func() {
		defaultManifests = mustKubectl("admin", "", "kustomize", "config/default")
		operatorManifests = mustKubectl("admin", "", "kustomize", "config/operator")
		for _, dir := range []string{"config/crd", "config/policies", "config/officials"} {
			keptManifests += "---\n" + mustKubectl("admin", "", "kustomize", dir)
		}
		mustKubectl("admin", defaultManifests, "apply", "--server-side", "--field-manager=platform-team", "--force-conflicts", "-f", "-")
		allExist(operatorManifests)
		mustKubectl("pemohon-dinkes", `apiVersion: hosting.kuduskab.go.id/v1alpha1
kind: SubdomainRequest
metadata: {name: arsip}
spec:
  subdomain: arsip
  applicant: {unit: Dinas Kearsipan, contactName: Tester, email: arsip@kuduskab.go.id, group: "opd:arsip"}
  letter: {number: "555/arsip/2026", date: "2026-11-28"}
  purpose: Pengujian
  deletionPolicy: Delete
`, "apply", "-f", "-")
	})

	AfterAll(func() {
		mustKubectl("admin", defaultManifests, "apply", "--server-side", "--field-manager=platform-team", "--force-conflicts", "-f", "-")
	})

	It("make undeploy deletes the operator only: the CRD, the requests, the policies, the officials' roles and the Namespace stay", func() {
		grants := func() string {
			return mustKubectl("admin", "", "-n", operatorNamespace, "get", "configmaps", "-l", "hosting.kuduskab.go.id/granted-hosts", "-o", "name")
		}
		grantsBefore := grants()

		out, err := makeTarget("undeploy")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("/bin/k8s/kubectl kustomize config/operator"))
		Expect(out).To(ContainSubstring(`deployment.apps "subdomain-operator-controller-manager" deleted`))
		Expect(out).NotTo(MatchRegexp(`namespace "|customresourcedefinition|validatingadmissionpolic|clusterrole[^ ]* "subdomain-kepala`))

		By("the platform team still sees the register, the policies, the officials' roles and the Namespace")
		registerIntact()
		Expect(mustKubectl("admin", "", "get", "validatingadmissionpolicies", "-o", "name")).To(And(
			ContainSubstring("subdomainrequest-approval-chain.hosting.kuduskab.go.id"),
			ContainSubstring("ingress-host-hijacking.hosting.kuduskab.go.id")))
		for _, role := range hostingv1.Roles {
			mustKubectl("admin", "", "get", "clusterrole", "subdomain-"+string(role))
		}
		Expect(grants()).To(Equal(grantsBefore))
		// The approval chain still holds without the operator.
		out, err = kubectl("agus", "", "annotate", "sdr", request, hostingv1.ApprovalAnnotationPrefix+"kepala-bidang-informatika=agus")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("cannot decide yet"))

		By("and the operator is gone: its Deployment, ServiceAccount, RBAC, Service and config")
		for _, kind := range []string{"deployment", "serviceaccount"} {
			out, err := kubectl("admin", "", "-n", operatorNamespace, "get", kind, "subdomain-operator-controller-manager")
			Expect(err).To(HaveOccurred(), out)
			Expect(out).To(ContainSubstring("NotFound"))
		}
		Eventually(func() string {
			out, _ := kubectl("admin", operatorManifests, "get", "-f", "-", "--ignore-not-found", "-o", "name")
			return strings.TrimSpace(out)
		}).Should(BeEmpty())
	})

	It("make uninstall without CONFIRM_DELETE_REGISTER=yes refuses, says why, and deletes nothing", func() {
		for _, vars := range [][]string{nil, {"CONFIRM_DELETE_REGISTER=y"}} {
			out, err := makeTarget("uninstall", vars...)
			var exit *exec.ExitError
			Expect(errors.As(err, &exit)).To(BeTrue(), "make uninstall %v must fail: %v\n%s", vars, err, out)
			Expect(exit.ExitCode()).NotTo(BeZero())
			Expect(out).To(ContainSubstring("deleting the CRD deletes every SubdomainRequest"))
			Expect(out).To(ContainSubstring("deletionPolicy Delete also take their sites with them"))
			Expect(out).To(ContainSubstring("kubectl get sdr -o yaml"))
			Expect(out).To(ContainSubstring("make uninstall CONFIRM_DELETE_REGISTER=yes"))
			Expect(out).NotTo(ContainSubstring("/bin/k8s/kubectl delete"), "nothing may be deleted")
		}
		registerIntact()
	})
})
