package naming

import (
	"reflect"
	"strings"
	"testing"
)

const (
	msgEmpty     = "the subdomain is empty"
	msgDots      = "the subdomain must be a single label without dots"
	msgWildcard  = "the subdomain cannot be a wildcard"
	msgCharset   = "only lowercase letters a-z, digits 0-9 and '-' are allowed"
	msgStartEnd  = "the subdomain must start and end with a letter or digit"
	msgReserved  = "'--' in the 3rd and 4th characters (like xn--) is reserved"
	msgTooLong58 = "the subdomain is 58 characters long; at most 57 are allowed"
)

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		label string
		want  []string
	}{
		"simple name":                 {label: "dinkes"},
		"single letter":               {label: "a"},
		"single digit":                {label: "7"},
		"letters digits and hyphens":  {label: "a1-b2"},
		"hyphen in 3rd position only": {label: "ab-cd"},
		"double hyphen later":         {label: "abc--d"},
		"57 characters":               {label: strings.Repeat("a", 57)},
		"empty": {
			label: "",
			want:  []string{msgEmpty},
		},
		"uppercase": {
			label: "Dinkes",
			want:  []string{msgCharset},
		},
		"underscore": {
			label: "din_kes",
			want:  []string{msgCharset},
		},
		"space": {
			label: "din kes",
			want:  []string{msgCharset},
		},
		"dot": {
			label: "dinkes.kuduskab.go.id",
			want:  []string{msgDots, msgCharset},
		},
		"wildcard": {
			label: "*",
			want:  []string{msgWildcard, msgCharset},
		},
		"wildcard label with dot": {
			label: "*.dinkes",
			want:  []string{msgDots, msgWildcard, msgCharset},
		},
		"leading hyphen": {
			label: "-dinkes",
			want:  []string{msgStartEnd},
		},
		"trailing hyphen": {
			label: "dinkes-",
			want:  []string{msgStartEnd},
		},
		"only a hyphen": {
			label: "-",
			want:  []string{msgStartEnd},
		},
		"58 characters": {
			label: strings.Repeat("a", 58),
			want:  []string{msgTooLong58},
		},
		"58 characters and uppercase": {
			label: strings.Repeat("A", 58),
			want:  []string{msgTooLong58, msgCharset},
		},
		"xn-- prefix": {
			label: "xn--abc",
			want:  []string{msgReserved},
		},
		"other -- in 3rd and 4th": {
			label: "ab--cd",
			want:  []string{msgReserved},
		},
		"-- in 3rd and 4th at the end": {
			label: "ab--",
			want:  []string{msgStartEnd, msgReserved},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Validate(tc.label)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate(%q) = %q, want %q", tc.label, got, tc.want)
			}
		})
	}
}

func TestIsReserved(t *testing.T) {
	reserved := []string{"www", " Mail ", "ns1", "\tapi\n"}
	tests := map[string]struct {
		label    string
		reserved []string
		want     bool
	}{
		"exact":                       {label: "www", reserved: reserved, want: true},
		"label in other case":         {label: "WWW", reserved: reserved, want: true},
		"list entry in other case":    {label: "mail", reserved: reserved, want: true},
		"list entry padded by spaces": {label: "mail", reserved: reserved, want: true},
		"list entry padded by tabs":   {label: "api", reserved: reserved, want: true},
		"last entry":                  {label: "ns1", reserved: reserved, want: true},
		"not on the list":             {label: "dinkes", reserved: reserved, want: false},
		"prefix of an entry":          {label: "ns", reserved: reserved, want: false},
		"entry is prefix of label":    {label: "www2", reserved: reserved, want: false},
		"empty list":                  {label: "www", reserved: nil, want: false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := IsReserved(tc.label, tc.reserved); got != tc.want {
				t.Errorf("IsReserved(%q, %q) = %v, want %v", tc.label, tc.reserved, got, tc.want)
			}
		})
	}
}

func TestFQDN(t *testing.T) {
	tests := map[string]struct {
		label, base string
		want        string
	}{
		"plain base":        {label: "dinkes", base: "kuduskab.go.id", want: "dinkes.kuduskab.go.id"},
		"leading dot":       {label: "dinkes", base: ".kuduskab.go.id", want: "dinkes.kuduskab.go.id"},
		"trailing dot":      {label: "dinkes", base: "kuduskab.go.id.", want: "dinkes.kuduskab.go.id"},
		"both dots":         {label: "dinkes", base: ".kuduskab.go.id.", want: "dinkes.kuduskab.go.id"},
		"single-label base": {label: "a", base: "test", want: "a.test"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := FQDN(tc.label, tc.base); got != tc.want {
				t.Errorf("FQDN(%q, %q) = %q, want %q", tc.label, tc.base, got, tc.want)
			}
		})
	}
}
