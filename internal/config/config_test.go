package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

func TestDefaultValidates(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v, want nil", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Validate changed the defaults: %+v", c)
	}
}

func TestLoadEmptyPath(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatalf("Load(\"\") error = %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load(\"\") = %+v, want the defaults", c)
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoad(t *testing.T) {
	tests := map[string]struct {
		yaml string
		// check inspects a loaded configuration (only when no error is expected).
		check func(t *testing.T, c Config)
		// wantErr is the error text after the "configuration <path>: " prefix, or a
		// substring of a parsing error when wantParseErr is set.
		wantErr      string
		wantParseErr string
	}{
		"empty file gives the defaults": {
			yaml: "",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c, Default()) {
					t.Errorf("got %+v, want the defaults", c)
				}
			},
		},
		"baseDomain is overridden and normalized": {
			yaml: "baseDomain: \" Example.Go.ID. \"\n",
			check: func(t *testing.T, c Config) {
				if c.BaseDomain != "example.go.id" {
					t.Errorf("BaseDomain = %q, want example.go.id", c.BaseDomain)
				}
				if got := c.FQDN("dinkes"); got != "dinkes.example.go.id" {
					t.Errorf("FQDN = %q", got)
				}
				// The rest keeps its defaults.
				if c.NamespacePrefix != "web-" || c.RecordTTL != 300 {
					t.Errorf("defaults lost: %+v", c)
				}
			},
		},
		"a plan is replaced, the others stay": {
			yaml: `plans:
  small:
    cpu: 500m
    memory: 512Mi
    storage: 1Gi
    pods: 5
`,
			check: func(t *testing.T, c Config) {
				small := c.Plans[hostingv1.PlanSmall]
				want := Plan{CPU: resource.MustParse("500m"), Memory: resource.MustParse("512Mi"), Storage: resource.MustParse("1Gi"), Pods: 5}
				if small.CPU.Cmp(want.CPU) != 0 || small.Memory.Cmp(want.Memory) != 0 || small.Storage.Cmp(want.Storage) != 0 || small.Pods != want.Pods {
					t.Errorf("plans.small = %+v, want %+v", small, want)
				}
				medium := c.Plans[hostingv1.PlanMedium]
				if medium.CPU.Cmp(resource.MustParse("2")) != 0 || medium.Pods != 20 {
					t.Errorf("plans.medium = %+v, want the default", medium)
				}
				if _, ok := c.Plans[hostingv1.PlanLarge]; !ok {
					t.Errorf("plans.large lost")
				}
			},
		},
		"only the cpu of a plan is changed": {
			yaml: "plans: {small: {cpu: 500m}}\n",
			check: func(t *testing.T, c Config) {
				def := Default().Plans
				small := c.Plans[hostingv1.PlanSmall]
				want := def[hostingv1.PlanSmall]
				want.CPU = resource.MustParse("500m")
				if !samePlan(small, want) {
					t.Errorf("plans.small = %s, want %s", planString(small), planString(want))
				}
				for _, p := range []hostingv1.Plan{hostingv1.PlanMedium, hostingv1.PlanLarge} {
					if !samePlan(c.Plans[p], def[p]) {
						t.Errorf("plans.%s = %s, want the default %s", p, planString(c.Plans[p]), planString(def[p]))
					}
				}
				if len(c.Plans) != 3 {
					t.Errorf("got %d plans, want 3: %v", len(c.Plans), c.Plans)
				}
			},
		},
		"fields of two plans are changed": {
			yaml: "plans:\n  medium:\n    pods: 25\n  large:\n    memory: 16Gi\n    storage: 100Gi\n",
			check: func(t *testing.T, c Config) {
				def := Default().Plans
				medium := def[hostingv1.PlanMedium]
				medium.Pods = 25
				large := def[hostingv1.PlanLarge]
				large.Memory, large.Storage = resource.MustParse("16Gi"), resource.MustParse("100Gi")
				for p, want := range map[hostingv1.Plan]Plan{hostingv1.PlanSmall: def[hostingv1.PlanSmall], hostingv1.PlanMedium: medium, hostingv1.PlanLarge: large} {
					if !samePlan(c.Plans[p], want) {
						t.Errorf("plans.%s = %s, want %s", p, planString(c.Plans[p]), planString(want))
					}
				}
			},
		},
		"time standards": {
			yaml: `timeStandards:
  kepalaDinas: 5m
  provisioning: 2h
`,
			check: func(t *testing.T, c Config) {
				want := map[string]time.Duration{
					hostingv1.StepSubmission:   15 * time.Minute,
					hostingv1.StepKepalaDinas:  5 * time.Minute,
					hostingv1.StepKepalaBidang: 10 * time.Minute,
					hostingv1.StepKepalaSeksi:  10 * time.Minute,
					hostingv1.StepProvisioning: 2 * time.Hour,
				}
				for step, d := range want {
					if got := c.StandardFor(step); got != d {
						t.Errorf("StandardFor(%s) = %v, want %v", step, got, d)
					}
				}
			},
		},
		"cname instead of ips": {
			yaml: `ingressTarget:
  ips: []
  cname: lb.kuduskab.go.id
`,
			check: func(t *testing.T, c Config) {
				if len(c.IngressTarget.IPs) != 0 || c.IngressTarget.CNAME != "lb.kuduskab.go.id" {
					t.Errorf("IngressTarget = %+v", c.IngressTarget)
				}
			},
		},
		"cname alone replaces the default ips": {
			yaml: "ingressTarget: {cname: lb.example.net}\n",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c.IngressTarget, IngressTarget{CNAME: "lb.example.net"}) {
					t.Errorf("IngressTarget = %+v, want only the cname", c.IngressTarget)
				}
			},
		},
		"cname alone, block style": {
			yaml: "ingressTarget:\n  cname: lb.example.net.\n",
			check: func(t *testing.T, c Config) {
				if len(c.IngressTarget.IPs) != 0 || c.IngressTarget.CNAME != "lb.example.net." {
					t.Errorf("IngressTarget = %+v, want only the cname", c.IngressTarget)
				}
			},
		},
		"empty ingressTarget keeps the default ips": {
			yaml: "ingressTarget: {}\n",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c.IngressTarget, Default().IngressTarget) {
					t.Errorf("IngressTarget = %+v, want the default %+v", c.IngressTarget, Default().IngressTarget)
				}
			},
		},
		"other ips": {
			yaml: "ingressTarget: {ips: [192.0.2.1, 192.0.2.2]}\n",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c.IngressTarget.IPs, []string{"192.0.2.1", "192.0.2.2"}) {
					t.Errorf("IPs = %v", c.IngressTarget.IPs)
				}
			},
		},
		"dns servers and timeout": {
			yaml: "dns:\n  servers: [\"10.0.0.53:53\"]\n  timeout: 500ms\n",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c.DNS.Servers, []string{"10.0.0.53:53"}) || c.DNS.Timeout.Duration != 500*time.Millisecond {
					t.Errorf("DNS = %+v", c.DNS)
				}
			},
		},
		"zero dns timeout falls back to 2s": {
			yaml: "dns:\n  timeout: 0s\n",
			check: func(t *testing.T, c Config) {
				if c.DNS.Timeout.Duration != 2*time.Second {
					t.Errorf("DNS.Timeout = %v, want 2s", c.DNS.Timeout.Duration)
				}
			},
		},
		"reserved names replace the list": {
			yaml: "reservedNames: [portal]\n",
			check: func(t *testing.T, c Config) {
				if !reflect.DeepEqual(c.ReservedNames, []string{"portal"}) {
					t.Errorf("ReservedNames = %v", c.ReservedNames)
				}
			},
		},
		"unknown top-level field": {
			yaml:         "baseDomain: kuduskab.go.id\nbasedomain2: x\n",
			wantParseErr: `unknown field "basedomain2"`,
		},
		"unknown nested field": {
			yaml:         "timeStandards:\n  kepalaDinass: 5m\n",
			wantParseErr: `unknown field "kepalaDinass"`,
		},
		"bad duration": {
			yaml:         "timeStandards:\n  kepalaDinas: five minutes\n",
			wantParseErr: "five minutes",
		},
		"not YAML": {
			yaml:         "baseDomain: [unclosed\n",
			wantParseErr: "yaml",
		},
		"ips and cname both set": {
			yaml:    "ingressTarget:\n  ips: [192.0.2.1]\n  cname: lb.kuduskab.go.id\n",
			wantErr: "ingressTarget takes ips or cname, not both",
		},
		"neither ips nor cname": {
			yaml:    "ingressTarget:\n  ips: []\n",
			wantErr: "ingressTarget needs ips or cname",
		},
		"plans removed": {
			yaml:    "plans: null\n",
			wantErr: "plans.small is missing",
		},
		"baseDomain without a dot": {
			yaml:    "baseDomain: localhost\n",
			wantErr: `baseDomain "localhost" must be a domain such as kuduskab.go.id`,
		},
		"baseDomain empty": {
			yaml:    "baseDomain: \"\"\n",
			wantErr: `baseDomain "" must be a domain such as kuduskab.go.id`,
		},
		"baseDomain only a trailing dot": {
			yaml:    "baseDomain: \"kudus.\"\n",
			wantErr: `baseDomain "kudus" must be a domain such as kuduskab.go.id`,
		},
		"namespacePrefix with uppercase": {
			yaml:    "namespacePrefix: Web-\n",
			wantErr: `namespacePrefix "Web-" must start with a letter or digit and hold only a-z, 0-9 and '-'`,
		},
		"namespacePrefix with a dot": {
			yaml:    "namespacePrefix: web.\n",
			wantErr: `namespacePrefix "web." must start with a letter or digit and hold only a-z, 0-9 and '-'`,
		},
		"namespacePrefix longer than 6 characters": {
			yaml:    "namespacePrefix: websites-\n",
			wantErr: `namespacePrefix "websites-" is longer than 6 characters`,
		},
		"namespacePrefix only a hyphen": {
			yaml:    "namespacePrefix: \"-\"\n",
			wantErr: `namespacePrefix "-" must start with a letter or digit and hold only a-z, 0-9 and '-'`,
		},
		"namespacePrefix web-": {
			yaml: "namespacePrefix: web-\n",
			check: func(t *testing.T, c Config) {
				if got := c.NamespaceFor("dinkes"); got != "web-dinkes" {
					t.Errorf("NamespaceFor(dinkes) = %q, want web-dinkes", got)
				}
			},
		},
		"namespacePrefix empty": {
			yaml: "namespacePrefix: \"\"\n",
			check: func(t *testing.T, c Config) {
				if got := c.NamespaceFor("dinkes"); got != "dinkes" {
					t.Errorf("NamespaceFor(dinkes) = %q, want dinkes", got)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, tc.yaml)
			c, err := Load(path)
			switch {
			case tc.wantParseErr != "":
				if err == nil {
					t.Fatalf("Load() error = nil, want a parsing error containing %q", tc.wantParseErr)
				}
				prefix := "parsing configuration " + path + ": "
				if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.wantParseErr) {
					t.Errorf("Load() error = %q, want %q... containing %q", err, prefix, tc.wantParseErr)
				}
			case tc.wantErr != "":
				if err == nil {
					t.Fatalf("Load() error = nil, want %q", tc.wantErr)
				}
				if want := "configuration " + path + ": " + tc.wantErr; err.Error() != want {
					t.Errorf("Load() error = %q,\nwant %q", err, want)
				}
			default:
				if err != nil {
					t.Fatalf("Load() error = %v", err)
				}
				tc.check(t, c)
			}
		})
	}
}

func samePlan(a, b Plan) bool {
	return a.CPU.Cmp(b.CPU) == 0 && a.Memory.Cmp(b.Memory) == 0 && a.Storage.Cmp(b.Storage) == 0 && a.Pods == b.Pods
}

func planString(p Plan) string {
	return fmt.Sprintf("{cpu: %s, memory: %s, storage: %s, pods: %d}", p.CPU.String(), p.Memory.String(), p.Storage.String(), p.Pods)
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "absent.yaml")
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), "reading configuration "+path+": ") {
		t.Errorf("Load(missing) error = %v, want a reading error", err)
	}
}

func TestValidate(t *testing.T) {
	tests := map[string]struct {
		mutate  func(c *Config)
		wantErr string
		check   func(t *testing.T, c Config)
	}{
		"defaults": {mutate: func(*Config) {}},
		"missing medium plan": {
			mutate:  func(c *Config) { delete(c.Plans, hostingv1.PlanMedium) },
			wantErr: "plans.medium is missing",
		},
		"missing large plan": {
			mutate:  func(c *Config) { delete(c.Plans, hostingv1.PlanLarge) },
			wantErr: "plans.large is missing",
		},
		"ips and cname": {
			mutate:  func(c *Config) { c.IngressTarget.CNAME = "lb.example.net" },
			wantErr: "ingressTarget takes ips or cname, not both",
		},
		"neither ips nor cname": {
			mutate:  func(c *Config) { c.IngressTarget = IngressTarget{} },
			wantErr: "ingressTarget needs ips or cname",
		},
		"base domain is lowercased and trimmed": {
			mutate: func(c *Config) { c.BaseDomain = "  KudusKab.go.id.  " },
			check: func(t *testing.T, c Config) {
				if c.BaseDomain != "kuduskab.go.id" {
					t.Errorf("BaseDomain = %q", c.BaseDomain)
				}
			},
		},
		"blank base domain": {
			mutate:  func(c *Config) { c.BaseDomain = "   " },
			wantErr: `baseDomain "" must be a domain such as kuduskab.go.id`,
		},
		"empty namespace prefix is allowed": {
			mutate: func(c *Config) { c.NamespacePrefix = "" },
		},
		"namespace prefix web- is allowed": {
			mutate: func(c *Config) { c.NamespacePrefix = "web-" },
		},
		"namespace prefix of 6 characters is allowed": {
			mutate: func(c *Config) { c.NamespacePrefix = "situs-" },
		},
		"namespace prefix starting with a digit is allowed": {
			mutate: func(c *Config) { c.NamespacePrefix = "1web-" },
		},
		"namespace prefix without a final hyphen is allowed": {
			mutate: func(c *Config) { c.NamespacePrefix = "web" },
		},
		"namespace prefix of 7 characters": {
			mutate:  func(c *Config) { c.NamespacePrefix = "situs1-" },
			wantErr: `namespacePrefix "situs1-" is longer than 6 characters`,
		},
		"namespace prefix websites-": {
			mutate:  func(c *Config) { c.NamespacePrefix = "websites-" },
			wantErr: `namespacePrefix "websites-" is longer than 6 characters`,
		},
		"namespace prefix only a hyphen": {
			mutate:  func(c *Config) { c.NamespacePrefix = "-" },
			wantErr: `namespacePrefix "-" must start with a letter or digit and hold only a-z, 0-9 and '-'`,
		},
		"namespace prefix with underscore": {
			mutate:  func(c *Config) { c.NamespacePrefix = "web_" },
			wantErr: `namespacePrefix "web_" must start with a letter or digit and hold only a-z, 0-9 and '-'`,
		},
		"namespace prefix starting with a hyphen": {
			mutate:  func(c *Config) { c.NamespacePrefix = "-web-" },
			wantErr: `namespacePrefix "-web-" must start with a letter or digit and hold only a-z, 0-9 and '-'`,
		},
		"negative dns timeout falls back to 2s": {
			mutate: func(c *Config) { c.DNS.Timeout.Duration = -time.Second },
			check: func(t *testing.T, c Config) {
				if c.DNS.Timeout.Duration != 2*time.Second {
					t.Errorf("DNS.Timeout = %v", c.DNS.Timeout.Duration)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			tc.mutate(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("Validate() = %v, want %q", err, tc.wantErr)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestFQDNAndNamespaceFor(t *testing.T) {
	tests := map[string]struct {
		base, prefix, label string
		wantFQDN, wantNS    string
	}{
		"defaults": {base: "kuduskab.go.id", prefix: "web-", label: "dinkes",
			wantFQDN: "dinkes.kuduskab.go.id", wantNS: "web-dinkes"},
		"no prefix": {base: "example.test", prefix: "", label: "a1",
			wantFQDN: "a1.example.test", wantNS: "a1"},
		"base with dots around": {base: ".example.test.", prefix: "site-", label: "x",
			wantFQDN: "x.example.test", wantNS: "site-x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := Default()
			c.BaseDomain, c.NamespacePrefix = tc.base, tc.prefix
			if got := c.FQDN(tc.label); got != tc.wantFQDN {
				t.Errorf("FQDN(%q) = %q, want %q", tc.label, got, tc.wantFQDN)
			}
			if got := c.NamespaceFor(tc.label); got != tc.wantNS {
				t.Errorf("NamespaceFor(%q) = %q, want %q", tc.label, got, tc.wantNS)
			}
		})
	}
}

func TestStandardFor(t *testing.T) {
	c := Default()
	c.TimeStandards = TimeStandards{}
	c.TimeStandards.Submission.Duration = 1 * time.Minute
	c.TimeStandards.KepalaDinas.Duration = 2 * time.Minute
	c.TimeStandards.KepalaBidang.Duration = 3 * time.Minute
	c.TimeStandards.KepalaSeksi.Duration = 4 * time.Minute
	c.TimeStandards.Provisioning.Duration = 5 * time.Minute

	tests := map[string]struct {
		step string
		want time.Duration
	}{
		"submission":     {step: hostingv1.StepSubmission, want: 1 * time.Minute},
		"kepala dinas":   {step: hostingv1.StepKepalaDinas, want: 2 * time.Minute},
		"kepala bidang":  {step: hostingv1.StepKepalaBidang, want: 3 * time.Minute},
		"kepala seksi":   {step: hostingv1.StepKepalaSeksi, want: 4 * time.Minute},
		"provisioning":   {step: hostingv1.StepProvisioning, want: 5 * time.Minute},
		"notification":   {step: hostingv1.StepNotification, want: 0},
		"unknown step":   {step: "Sekda", want: 0},
		"role, not step": {step: string(hostingv1.RoleKepalaDinas), want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := c.StandardFor(tc.step); got != tc.want {
				t.Errorf("StandardFor(%q) = %v, want %v", tc.step, got, tc.want)
			}
		})
	}
}

func TestStandardForDefaults(t *testing.T) {
	c := Default()
	tests := map[string]struct {
		step string
		want time.Duration
	}{
		"submission":    {step: hostingv1.StepSubmission, want: 15 * time.Minute},
		"kepala dinas":  {step: hostingv1.StepKepalaDinas, want: 10 * time.Minute},
		"kepala bidang": {step: hostingv1.StepKepalaBidang, want: 10 * time.Minute},
		"kepala seksi":  {step: hostingv1.StepKepalaSeksi, want: 10 * time.Minute},
		"provisioning":  {step: hostingv1.StepProvisioning, want: time.Hour},
		"notification":  {step: hostingv1.StepNotification, want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := c.StandardFor(tc.step); got != tc.want {
				t.Errorf("StandardFor(%q) = %v, want %v", tc.step, got, tc.want)
			}
		})
	}
}

// TestLoadSMTP: the mail server's settings, their defaults, and the mistakes refused.
func TestLoadSMTP(t *testing.T) {
	tests := map[string]struct {
		yaml    string
		want    SMTP
		wantErr string
	}{
		"only a host: STARTTLS on 587, the default sender": {
			yaml: "smtp: {host: mail.kuduskab.go.id}",
			want: SMTP{Host: "mail.kuduskab.go.id", Port: 587, TLS: "starttls", From: "diskominfo@kuduskab.go.id", FromName: "Diskominfo Kabupaten Kudus"},
		},
		"port 465: implicit TLS": {
			yaml: "smtp: {host: mail.kuduskab.go.id, port: 465}",
			want: SMTP{Host: "mail.kuduskab.go.id", Port: 465, TLS: "implicit", From: "diskominfo@kuduskab.go.id", FromName: "Diskominfo Kabupaten Kudus"},
		},
		"port 465 with starttls written": {
			yaml: "smtp: {host: mail.kuduskab.go.id, port: 465, tls: starttls}",
			want: SMTP{Host: "mail.kuduskab.go.id", Port: 465, TLS: "starttls", From: "diskominfo@kuduskab.go.id", FromName: "Diskominfo Kabupaten Kudus"},
		},
		"implicit on another port": {
			yaml: "smtp: {host: mail.kuduskab.go.id, port: 10465, tls: implicit}",
			want: SMTP{Host: "mail.kuduskab.go.id", Port: 10465, TLS: "implicit", From: "diskominfo@kuduskab.go.id", FromName: "Diskominfo Kabupaten Kudus"},
		},
		"everything set": {
			yaml: `smtp:
    host: mail.kuduskab.go.id
    port: 587
    tls: starttls
    caFile: /etc/subdomain-operator/smtp/ca.crt
    from: noreply@kuduskab.go.id
    fromName: Layanan Hosting Diskominfo
    usernameFile: /etc/subdomain-operator/smtp/username
    passwordFile: /etc/subdomain-operator/smtp/password`,
			want: SMTP{Host: "mail.kuduskab.go.id", Port: 587, TLS: "starttls", CAFile: "/etc/subdomain-operator/smtp/ca.crt",
				From: "noreply@kuduskab.go.id", FromName: "Layanan Hosting Diskominfo",
				UsernameFile: "/etc/subdomain-operator/smtp/username", PasswordFile: "/etc/subdomain-operator/smtp/password"},
		},
		"a display name written in from": {
			yaml: `smtp: {host: mail.kuduskab.go.id, from: "Diskominfo Kudus <diskominfo@kuduskab.go.id>"}`,
			want: SMTP{Host: "mail.kuduskab.go.id", Port: 587, TLS: "starttls", From: "diskominfo@kuduskab.go.id", FromName: "Diskominfo Kudus"},
		},
		"none for a local test server": {
			yaml: "smtp: {host: 127.0.0.1, port: 1025, tls: none}",
			want: SMTP{Host: "127.0.0.1", Port: 1025, TLS: "none", From: "diskominfo@kuduskab.go.id", FromName: "Diskominfo Kabupaten Kudus"},
		},
		"no host: no mail, nothing filled in": {
			yaml: "smtp: {tls: none}",
			want: SMTP{TLS: "none"},
		},
		"an unknown tls value": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, tls: ssl}",
			wantErr: `notification.smtp.tls "ssl" must be starttls (STARTTLS, required), implicit (TLS from the first byte, port 465) or none (clear text, a local test server only)`,
		},
		"tls in capitals": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, tls: STARTTLS}",
			wantErr: `notification.smtp.tls "STARTTLS" must be starttls (STARTTLS, required), implicit (TLS from the first byte, port 465) or none (clear text, a local test server only)`,
		},
		"a CA with tls none": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, tls: none, caFile: /ca.crt}",
			wantErr: "notification.smtp.caFile is set but tls is none: a CA is only used with starttls or implicit",
		},
		"a port out of range": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, port: 70000}",
			wantErr: "notification.smtp.port 70000 is not a TCP port",
		},
		"from is not an address": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, from: diskominfo}",
			wantErr: `notification.smtp.from "diskominfo" is not a mail address: mail: missing '@' or angle-addr`,
		},
		"fromName over two lines": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, fromName: \"Diskominfo\\nBcc: x@y.z\"}",
			wantErr: "notification.smtp.fromName must be one line",
		},
		"a user name file without a password file": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, usernameFile: /u}",
			wantErr: "notification.smtp needs both usernameFile and passwordFile, or neither",
		},
		"an unknown field": {
			yaml:    "smtp: {host: mail.kuduskab.go.id, starttls: true}",
			wantErr: `unknown field "starttls"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, "notification:\n  "+tc.yaml+"\n")
			c, err := Load(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Load() error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if c.Notification.SMTP != tc.want {
				t.Errorf("notification.smtp =\n  %+v\nwant\n  %+v", c.Notification.SMTP, tc.want)
			}
		})
	}
}
