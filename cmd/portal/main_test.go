package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Of a kubeconfig only the API server's address and CA are taken; its user's
// credentials are never read into the portal.
func TestAPIServerAddressFromKubeconfig(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EtUEVN
users:
- name: u
  user:
    token: an-admin-token
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	host, ca, err := apiServerAddress(kubeconfig, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if host != "https://127.0.0.1:6443" || string(ca) != "CA-PEM" {
		t.Errorf("got %s %q", host, ca)
	}

	// The flags win over the kubeconfig; without either, outside a cluster, an error.
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, []byte("OTHER-CA"), 0o600); err != nil {
		t.Fatal(err)
	}
	host, ca, err = apiServerAddress(kubeconfig, "https://api.example.test", caFile)
	if err != nil || host != "https://api.example.test" || string(ca) != "OTHER-CA" {
		t.Errorf("flags: %s %q %v", host, ca, err)
	}
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	if _, _, err := apiServerAddress("", "", ""); err == nil {
		t.Error("no API server: want an error")
	}
}
