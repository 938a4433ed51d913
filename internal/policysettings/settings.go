// Package policysettings renders what the admission policies need to know about the
// platform (the ConfigMap policy-settings in the operator's namespace) from the
// operator's configuration, and says where the installed ConfigMap disagrees with it.
// The policies cannot read the operator's configuration file, and the operator must
// not be able to write what confines it, so the two are kept in step by a check at
// startup rather than by the operator writing the ConfigMap.
package policysettings

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// Name is the ConfigMap's name; it lives in the namespace of the granted hosts.
const Name = "policy-settings"

// Data is the ConfigMap's data for a configuration.
func Data(cfg config.Config) map[string]string {
	targets := cfg.IngressTarget.IPs
	if cfg.IngressTarget.CNAME != "" {
		targets = []string{cfg.IngressTarget.CNAME}
	}
	return map[string]string{
		"baseDomain":       cfg.BaseDomain,
		"namespacePrefix":  cfg.NamespacePrefix,
		"reservedNames":    strings.Join(cfg.ReservedNames, " "),
		"legacyNamespaces": strings.Join(cfg.LegacyNamespaces, " "),
		"groupPattern":     cfg.GroupPattern,
		"dnsTargets":       strings.Join(targets, " "),
		"podSecurity":      cfg.PodSecurity,
		"grantedHostsName": cfg.GrantedHosts.Name,
	}
}

// ConfigMap is the whole ConfigMap for a configuration.
func ConfigMap(cfg config.Config) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: Name, Namespace: cfg.GrantedHosts.Namespace,
			Labels: map[string]string{"app.kubernetes.io/part-of": "subdomain-operator"}},
		Data: Data(cfg),
	}
}

// Differences lists, key by key, where installed differs from what cfg needs;
// empty when they agree.
func Differences(cfg config.Config, installed map[string]string) []string {
	want := Data(cfg)
	var out []string
	for k, v := range want {
		if got, ok := installed[k]; !ok || normalize(got) != normalize(v) {
			out = append(out, fmt.Sprintf("%s: the policies have %q, the operator's configuration needs %q", k, installed[k], v))
		}
	}
	sort.Strings(out)
	return out
}

// normalize lets a hand-written space-separated list differ in spacing.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }
