package naming

import (
	"testing"
)

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
