package policysettings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// The shipped config/policies/settings.yaml must be what the default configuration
// needs, or a fresh installation's operator refuses to start.
func TestShippedSettingsMatchTheDefaultConfiguration(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "policies", "settings.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	if cm.Name != Name || cm.Namespace != cfg.GrantedHosts.Namespace {
		t.Fatalf("shipped ConfigMap is %s/%s, want %s/%s", cm.Namespace, cm.Name, cfg.GrantedHosts.Namespace, Name)
	}
	if diff := Differences(cfg, cm.Data); len(diff) > 0 {
		t.Fatalf("config/policies/settings.yaml disagrees with config.Default():\n%s", strings.Join(diff, "\n"))
	}
}

func TestDifferences(t *testing.T) {
	cfg := config.Default()
	tests := map[string]struct {
		edit func(map[string]string)
		want []string
	}{
		"agree":                     {edit: func(map[string]string) {}},
		"spacing of a list is free": {edit: func(d map[string]string) { d["reservedNames"] = "  " + d["reservedNames"] + " " }},
		"another base domain":       {edit: func(d map[string]string) { d["baseDomain"] = "demakkab.go.id" }, want: []string{`baseDomain: the policies have "demakkab.go.id", the operator's configuration needs "kuduskab.go.id"`}},
		"a missing key":             {edit: func(d map[string]string) { delete(d, "podSecurity") }, want: []string{`podSecurity: the policies have "", the operator's configuration needs "restricted"`}},
		"targets that differ":       {edit: func(d map[string]string) { d["dnsTargets"] = "192.0.2.1" }, want: []string{`dnsTargets: the policies have "192.0.2.1", the operator's configuration needs "203.0.113.10"`}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			installed := Data(cfg)
			tc.edit(installed)
			got := Differences(cfg, installed)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCNAMETarget(t *testing.T) {
	cfg := config.Default()
	cfg.IngressTarget = config.IngressTarget{CNAME: "ingress.kuduskab.go.id"}
	if got := Data(cfg)["dnsTargets"]; got != "ingress.kuduskab.go.id" {
		t.Fatalf("dnsTargets = %q", got)
	}
}
