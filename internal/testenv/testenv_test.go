package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// The external CRD folders Start installs resolve to the pinned modules and hold the
// kinds the operator and the tests use (a version bump that moves them fails here,
// not in every suite's BeforeSuite).
func TestExternalCRDDirs(t *testing.T) {
	for name, tc := range map[string]struct {
		dir   func() (string, error)
		files []string
	}{
		"external-dns": {ExternalDNSCRDDir, []string{"dnsendpoints.externaldns.k8s.io.yaml"}},
		"gateway-api": {GatewayAPICRDDir, []string{"gateway.networking.k8s.io_httproutes.yaml", "gateway.networking.k8s.io_listenersets.yaml",
			"gateway.networking.k8s.io_gateways.yaml", "gateway.networking.k8s.io_vap_safeupgrades.yaml"}},
		"cert-manager": {CertManagerCRDDir, []string{"cert-manager.io_certificates.yaml", "cert-manager.io_clusterissuers.yaml"}},
	} {
		dir, err := tc.dir()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range tc.files {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}
