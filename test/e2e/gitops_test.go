package e2e

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var _ = Describe("Requests applied by a GitOps tool, again and again", func() {
	It("keeps the officials' approvals through server-side and client-side re-applies, and refuses a merged spec change", func() {
		applyRequest("gitops", "gitops", "Retain")
		path := filepath.Join(workDir, "gitops.yaml")
		mustKubectl("budi", "annotate", "sdr", "gitops", hostingv1.ApprovalAnnotationPrefix+"kepala-dinas=budi")
		mustKubectl("agus", "annotate", "sdr", "gitops", hostingv1.ApprovalAnnotationPrefix+"kepala-bidang-informatika=agus")

		// The unchanged manifest, re-applied the way Flux (server-side) and Argo CD
		// (client-side, by default) do.
		mustKubectl("pemohon-dinkes", "apply", "--server-side", "--field-manager=flux", "-f", path)
		mustKubectl("pemohon-dinkes", "apply", "--server-side", "--field-manager=flux", "-f", path)
		mustKubectl("pemohon-dinkes", "apply", "-f", path)
		s := getSDR("gitops")
		Expect(s.Annotations).To(HaveKeyWithValue(hostingv1.ApprovalAnnotationPrefix+"kepala-dinas", "budi"))
		Expect(s.Annotations).To(HaveKeyWithValue(hostingv1.ApprovalAnnotationPrefix+"kepala-bidang-informatika", "agus"))
		Expect(s.Annotations).To(HaveKeyWithValue(hostingv1.RequestedByAnnotation, "pemohon-dinkes"))
		Eventually(phaseOf("gitops")).Should(Equal(hostingv1.PhasePendingKepalaSeksi))

		// A merged change to the spec after approval is refused with a message the tool shows.
		data, err := os.ReadFile(path)
		Expect(err).NotTo(HaveOccurred())
		changed := strings.Replace(string(data), "purpose: Pengujian", "purpose: Diubah lewat pull request", 1)
		Expect(os.WriteFile(path, []byte(changed), 0o644)).To(Succeed())
		out, err := kubectl("pemohon-dinkes", "apply", "--server-side", "--field-manager=flux", "-f", path)
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("the spec cannot change after the first approval"))
		Expect(getSDR("gitops").Spec.Purpose).To(Equal("Pengujian"))

		// Removing the file from Git deletes the request; with Retain nothing else goes.
		mustKubectl("dewi", "annotate", "sdr", "gitops", hostingv1.ApprovalAnnotationPrefix+"kepala-seksi-ti-persandian=dewi")
		Eventually(phaseOf("gitops"), "90s").Should(Equal(hostingv1.PhaseReady))
		mustKubectl("pemohon-dinkes", "delete", "sdr", "gitops", "--wait=true", "--timeout=60s")
		Expect(dig("gitops")()).To(Equal([]string{targetIP}))
		mustKubectl("admin", "get", "namespace", "web-gitops")
	})
})
