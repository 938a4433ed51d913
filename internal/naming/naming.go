// Package naming holds the rules for the requested subdomain label, the same rules
// the CRD schema enforces, so that the operator and tools can explain them.
package naming

import (
	"fmt"
	"regexp"
	"strings"
)

// MaxLabelLength is 63 (a DNS label) minus the prefix external-dns's TXT registry
// adds to the ownership record of a name.
const MaxLabelLength = 57

var allowed = regexp.MustCompile(`^[a-z0-9-]*$`)

// Validate returns what is wrong with a requested label, or nil.
func Validate(label string) []string {
	var problems []string
	switch {
	case label == "":
		return []string{"the subdomain is empty"}
	case len(label) > MaxLabelLength:
		problems = append(problems, fmt.Sprintf("the subdomain is %d characters long; at most %d are allowed", len(label), MaxLabelLength))
	}
	if strings.Contains(label, ".") {
		problems = append(problems, "the subdomain must be a single label without dots")
	}
	if strings.Contains(label, "*") {
		problems = append(problems, "the subdomain cannot be a wildcard")
	}
	if !allowed.MatchString(label) {
		problems = append(problems, "only lowercase letters a-z, digits 0-9 and '-' are allowed")
	}
	if strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
		problems = append(problems, "the subdomain must start and end with a letter or digit")
	}
	if len(label) >= 4 && label[2:4] == "--" {
		problems = append(problems, "'--' in the 3rd and 4th characters (like xn--) is reserved")
	}
	return problems
}

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
