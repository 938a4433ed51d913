// Package naming holds what the operator needs of names: the label length external-dns
// leaves, the reserved list, the full name. The rules of a valid label exist once, in
// the CRD schema (api/v1alpha1), tested against the API server in
// controllers/validation_test.go.
package naming

import (
	"strings"
)

// MaxLabelLength is 63 (a DNS label) minus the prefix external-dns's TXT registry
// adds to the ownership record of a name.
const MaxLabelLength = 57

// IsReserved reports whether label is on the platform's reserved list.
func IsReserved(label string, reserved []string) bool {
	for _, r := range reserved {
		if strings.EqualFold(strings.TrimSpace(r), label) {
			return true
		}
	}
	return false
}

// FQDN joins a label and the base domain.
func FQDN(label, baseDomain string) string {
	return label + "." + strings.TrimSuffix(strings.TrimPrefix(baseDomain, "."), ".")
}
