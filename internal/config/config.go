// Package config is the platform configuration: everything the Diskominfo platform
// team sets once for the whole operator. It is read from a YAML file (in a cluster, a
// ConfigMap mounted into the manager); every field has a default, so an empty file is
// a working configuration for kuduskab.go.id.
package config

import (
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/naming"
)

// Config is the platform configuration.
type Config struct {
	// BaseDomain is the domain the subdomains are made under.
	BaseDomain string `json:"baseDomain"`
	// NamespacePrefix is put before the subdomain to name its Namespace.
	NamespacePrefix string `json:"namespacePrefix"`
	// Routing is how traffic reaches a site: RoutingGateway (the default: an HTTPRoute
	// attached to the shared Gateway) or RoutingIngress (an Ingress).
	Routing string `json:"routing"`
	// Gateway is the shared Gateway the sites attach to (routing: gateway).
	Gateway Gateway `json:"gateway"`
	// IngressClassName is the ingress class of the provisioned Ingresses (routing:
	// ingress); empty leaves it to the cluster's default IngressClass.
	IngressClassName string `json:"ingressClassName"`
	// IngressNamespace is where the ingress controller's pods run (routing: ingress);
	// the site's NetworkPolicy admits traffic from it.
	IngressNamespace string `json:"ingressNamespace"`
	// IngressTarget is what the DNS record of each site points at.
	IngressTarget IngressTarget `json:"ingressTarget"`
	// RecordTTL is the TTL, in seconds, of the DNS records.
	RecordTTL int64 `json:"recordTTL"`
	// ClusterIssuer is the cert-manager ClusterIssuer for the sites' TLS certificates;
	// empty turns TLS off.
	ClusterIssuer string `json:"clusterIssuer"`
	// ReservedNames can never be requested.
	ReservedNames []string `json:"reservedNames"`
	// Plans are the quota presets, by plan name (small, medium, large).
	Plans map[hostingv1.Plan]Plan `json:"plans"`
	// TimeStandards are the SOP's time standards per step.
	TimeStandards TimeStandards `json:"timeStandards"`
	// DNS says which DNS servers are asked whether a name resolves.
	DNS DNS `json:"dns"`
	// StarterImage is the web server image of the starter site.
	StarterImage string `json:"starterImage"`
	// Notification configures how applicants are told.
	Notification Notification `json:"notification"`
	// GrantedHosts is the ConfigMap where the operator records which namespace each
	// granted host belongs to; the host-hijacking admission policy reads it.
	GrantedHosts ObjectRef `json:"grantedHosts"`
	// GroupPattern is the RE2 pattern spec.applicant.group must match (the platform's
	// group naming); the request-form admission policy enforces it.
	GroupPattern string `json:"groupPattern"`
	// PodSecurity is the Pod Security level enforced in site namespaces: restricted
	// (the default), baseline or privileged.
	PodSecurity string `json:"podSecurity"`
	// LegacyNamespaces may serve hosts under the base domain that nobody was granted
	// (the apex, www, legacy sites); the ingress-hosts admission policy reads it. No
	// namespace may serve a host granted to a site.
	LegacyNamespaces []string `json:"legacyNamespaces,omitempty"`
}

// Routing modes.
const (
	RoutingGateway = "gateway"
	RoutingIngress = "ingress"
)

// Gateway is the shared Gateway API Gateway of the sites.
type Gateway struct {
	// Namespace and Name of the Gateway.
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// SectionName is the listener of the Gateway the sites' HTTPRoutes attach to
	// (e.g. its HTTP listener); empty attaches to every listener that admits them.
	SectionName string `json:"sectionName,omitempty"`
	// ProxyNamespace is where the Gateway's proxy pods run, which the site's
	// NetworkPolicy admits; empty means the Gateway's namespace (true of Istio and of
	// implementations that deploy the proxy beside the Gateway; Envoy Gateway runs
	// it in its own namespace, envoy-gateway-system by default).
	ProxyNamespace string `json:"proxyNamespace,omitempty"`
}

// ObjectRef names a namespaced object.
type ObjectRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// IngressTarget is either a list of IP addresses (A records) or a host name (CNAME).
type IngressTarget struct {
	IPs   []string `json:"ips,omitempty"`
	CNAME string   `json:"cname,omitempty"`
}

// Plan is a quota preset.
type Plan struct {
	CPU     resource.Quantity `json:"cpu"`
	Memory  resource.Quantity `json:"memory"`
	Storage resource.Quantity `json:"storage"`
	Pods    int64             `json:"pods"`
}

// TimeStandards are the durations the SOP allows per step.
type TimeStandards struct {
	Submission   metav1.Duration `json:"submission"`
	KepalaDinas  metav1.Duration `json:"kepalaDinas"`
	KepalaBidang metav1.Duration `json:"kepalaBidang"`
	KepalaSeksi  metav1.Duration `json:"kepalaSeksi"`
	Provisioning metav1.Duration `json:"provisioning"`
}

// DNS configures the verification that a name resolves.
type DNS struct {
	// Servers are host:port of the authoritative servers asked; empty skips the zone
	// check and lets DNSReady follow the DNSEndpoint alone.
	Servers []string `json:"servers,omitempty"`
	// Timeout of one query.
	Timeout metav1.Duration `json:"timeout"`
}

// Notification configures email and webhook notification.
type Notification struct {
	SMTP SMTP `json:"smtp"`
	// WebhookURL, when set, receives a JSON POST for each notification.
	WebhookURL string `json:"webhookURL,omitempty"`
}

// SMTP is the mail server. The user name and password are read from files (a mounted
// Secret), never from this file.
type SMTP struct {
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
	From string `json:"from,omitempty"`
	// FromName is the display name of From (default DefaultFromName, or the name
	// written in from as "Name <address>").
	FromName string `json:"fromName,omitempty"`
	// TLS is how the mail travels: SMTPTLSStartTLS (the default; the server must
	// offer STARTTLS, or nothing is sent), SMTPTLSImplicit (the default on port 465)
	// or SMTPTLSNone (clear text, for a local test server only). The server's
	// certificate is always verified for Host.
	TLS string `json:"tls,omitempty"`
	// CAFile holds the PEM certificates the server's certificate must chain to,
	// instead of the system's roots (a private mail server).
	CAFile       string `json:"caFile,omitempty"`
	UsernameFile string `json:"usernameFile,omitempty"`
	PasswordFile string `json:"passwordFile,omitempty"`
}

// Values of notification.smtp.tls.
const (
	SMTPTLSStartTLS = "starttls"
	SMTPTLSImplicit = "implicit"
	SMTPTLSNone     = "none"
)

// DefaultFromName is the display name of the operator's mail.
const DefaultFromName = "Diskominfo Kabupaten Kudus"

var namespacePrefix = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// DefaultGroupPattern is the group naming of Kabupaten Kudus: opd:<unit>.
const DefaultGroupPattern = `^opd:[a-z0-9]([-a-z0-9]*[a-z0-9])?$`

// Default returns the configuration for Kabupaten Kudus.
func Default() Config {
	return Config{
		BaseDomain:      "kuduskab.go.id",
		NamespacePrefix: "web-",
		// The Gateway API, the designated successor of Ingress; no controller is
		// named, since every conformant implementation serves an HTTPRoute.
		Routing:       RoutingGateway,
		Gateway:       Gateway{Namespace: "gateway-system", Name: "sites"},
		IngressTarget: IngressTarget{IPs: []string{"203.0.113.10"}},
		RecordTTL:     300,
		ReservedNames: []string{"www", "mail", "smtp", "imap", "pop", "webmail", "ns", "ns1", "ns2", "ns3",
			"helpdesktik", "kominfo", "diskominfo", "api", "admin", "ftp", "vpn", "cpanel", "autodiscover", "localhost"},
		Plans: map[hostingv1.Plan]Plan{
			hostingv1.PlanSmall:  {CPU: resource.MustParse("1"), Memory: resource.MustParse("1Gi"), Storage: resource.MustParse("5Gi"), Pods: 10},
			hostingv1.PlanMedium: {CPU: resource.MustParse("2"), Memory: resource.MustParse("4Gi"), Storage: resource.MustParse("20Gi"), Pods: 20},
			hostingv1.PlanLarge:  {CPU: resource.MustParse("4"), Memory: resource.MustParse("8Gi"), Storage: resource.MustParse("50Gi"), Pods: 40},
		},
		TimeStandards: TimeStandards{
			Submission:   metav1.Duration{Duration: 15 * time.Minute},
			KepalaDinas:  metav1.Duration{Duration: 10 * time.Minute},
			KepalaBidang: metav1.Duration{Duration: 10 * time.Minute},
			KepalaSeksi:  metav1.Duration{Duration: 10 * time.Minute},
			Provisioning: metav1.Duration{Duration: 60 * time.Minute},
		},
		DNS:          DNS{Timeout: metav1.Duration{Duration: 2 * time.Second}},
		StarterImage: "nginxinc/nginx-unprivileged:1.27-alpine",
		GrantedHosts: ObjectRef{Namespace: "subdomain-operator-system", Name: "granted-hosts"},
		GroupPattern: DefaultGroupPattern,
		PodSecurity:  "restricted",
	}
}

// Load reads a configuration file over the defaults. An empty path gives the defaults.
func Load(path string) (Config, error) {
	c := Default()
	if path == "" {
		return c, c.Validate()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading configuration %s: %w", path, err)
	}
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return c, fmt.Errorf("parsing configuration %s: %w", path, err)
	}
	// A target or a plan given in the file replaces the default as a whole for the
	// target (ips or cname), and field by field for a plan.
	var file Config
	if err := yaml.Unmarshal(data, &file); err != nil {
		return c, fmt.Errorf("parsing configuration %s: %w", path, err)
	}
	if len(file.IngressTarget.IPs) > 0 || file.IngressTarget.CNAME != "" {
		c.IngressTarget = file.IngressTarget
	}
	defaults := Default().Plans
	for name, p := range file.Plans {
		merged := defaults[name]
		if !p.CPU.IsZero() {
			merged.CPU = p.CPU
		}
		if !p.Memory.IsZero() {
			merged.Memory = p.Memory
		}
		if !p.Storage.IsZero() {
			merged.Storage = p.Storage
		}
		if p.Pods != 0 {
			merged.Pods = p.Pods
		}
		c.Plans[name] = merged
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("configuration %s: %w", path, err)
	}
	return c, nil
}

// Validate checks the configuration for mistakes that would only show later.
func (c *Config) Validate() error {
	c.BaseDomain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(c.BaseDomain)), ".")
	if c.BaseDomain == "" || strings.Count(c.BaseDomain, ".") < 1 {
		return fmt.Errorf("baseDomain %q must be a domain such as kuduskab.go.id", c.BaseDomain)
	}
	if len(c.IngressTarget.IPs) == 0 && c.IngressTarget.CNAME == "" {
		return fmt.Errorf("ingressTarget needs ips or cname")
	}
	if len(c.IngressTarget.IPs) > 0 && c.IngressTarget.CNAME != "" {
		return fmt.Errorf("ingressTarget takes ips or cname, not both")
	}
	switch c.Routing {
	case RoutingGateway:
		if c.Gateway.Namespace == "" || c.Gateway.Name == "" {
			return fmt.Errorf("routing: gateway needs gateway.namespace and gateway.name, the shared Gateway the sites attach to")
		}
	case RoutingIngress:
		if c.IngressNamespace == "" {
			return fmt.Errorf("routing: ingress needs ingressNamespace, where the ingress controller's pods run (the site's NetworkPolicy admits traffic from it)")
		}
	default:
		return fmt.Errorf("routing %q must be gateway (an HTTPRoute on the shared Gateway) or ingress (an Ingress)", c.Routing)
	}
	for _, p := range []hostingv1.Plan{hostingv1.PlanSmall, hostingv1.PlanMedium, hostingv1.PlanLarge} {
		if _, ok := c.Plans[p]; !ok {
			return fmt.Errorf("plans.%s is missing", p)
		}
	}
	for p := range c.Plans {
		if p != hostingv1.PlanSmall && p != hostingv1.PlanMedium && p != hostingv1.PlanLarge {
			return fmt.Errorf("plans.%s: unknown plan; the plans are small, medium and large", p)
		}
	}
	// A Namespace name is a DNS label too: prefix plus a 57-character subdomain must fit
	// in 63 characters.
	if len(c.NamespacePrefix) > 63-naming.MaxLabelLength {
		return fmt.Errorf("namespacePrefix %q is longer than %d characters", c.NamespacePrefix, 63-naming.MaxLabelLength)
	}
	if c.NamespacePrefix != "" && !namespacePrefix.MatchString(c.NamespacePrefix) {
		return fmt.Errorf("namespacePrefix %q must start with a letter or digit and hold only a-z, 0-9 and '-'", c.NamespacePrefix)
	}
	if c.Notification.SMTP.Host != "" {
		if err := c.Notification.SMTP.validate(c.BaseDomain); err != nil {
			return err
		}
	}
	if _, err := regexp.Compile(c.GroupPattern); err != nil || c.GroupPattern == "" {
		return fmt.Errorf("groupPattern %q is not a regular expression: %v", c.GroupPattern, err)
	}
	if strings.HasPrefix(c.GroupPattern, "^system:") || regexp.MustCompile(c.GroupPattern).MatchString("system:authenticated") {
		return fmt.Errorf("groupPattern %q lets system: groups through; a site must belong to a unit's own group", c.GroupPattern)
	}
	switch c.PodSecurity {
	case "restricted", "baseline", "privileged":
	default:
		return fmt.Errorf("podSecurity %q must be restricted, baseline or privileged", c.PodSecurity)
	}
	if c.DNS.Timeout.Duration <= 0 {
		c.DNS.Timeout.Duration = 2 * time.Second
	}
	return nil
}

// validate fills in the defaults of the mail server's settings and refuses mistakes.
func (s *SMTP) validate(baseDomain string) error {
	if s.Port == 0 {
		s.Port = 587
	}
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("notification.smtp.port %d is not a TCP port", s.Port)
	}
	switch s.TLS {
	case "":
		s.TLS = SMTPTLSStartTLS
		if s.Port == 465 {
			s.TLS = SMTPTLSImplicit
		}
	case SMTPTLSStartTLS, SMTPTLSImplicit, SMTPTLSNone:
	default:
		return fmt.Errorf("notification.smtp.tls %q must be starttls (STARTTLS, required), implicit (TLS from the first byte, port 465) or none (clear text, a local test server only)", s.TLS)
	}
	if s.TLS == SMTPTLSNone && s.CAFile != "" {
		return fmt.Errorf("notification.smtp.caFile is set but tls is none: a CA is only used with starttls or implicit")
	}
	if s.From == "" {
		s.From = "diskominfo@" + baseDomain
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("notification.smtp.from %q is not a mail address: %v", s.From, err)
	}
	s.From = from.Address
	if s.FromName == "" {
		s.FromName = from.Name
	}
	if s.FromName == "" {
		s.FromName = DefaultFromName
	}
	if strings.ContainsAny(s.FromName, "\r\n") {
		return fmt.Errorf("notification.smtp.fromName must be one line")
	}
	if (s.UsernameFile == "") != (s.PasswordFile == "") {
		return fmt.Errorf("notification.smtp needs both usernameFile and passwordFile, or neither")
	}
	return nil
}

// FQDN is the full name of a label under the base domain.
func (c Config) FQDN(label string) string { return naming.FQDN(label, c.BaseDomain) }

// NamespaceFor is the Namespace that hosts a subdomain.
func (c Config) NamespaceFor(label string) string { return c.NamespacePrefix + label }

// StandardFor is the time standard of a timeline step; zero when there is none.
func (c Config) StandardFor(step string) time.Duration {
	switch step {
	case hostingv1.StepSubmission:
		return c.TimeStandards.Submission.Duration
	case hostingv1.StepKepalaDinas:
		return c.TimeStandards.KepalaDinas.Duration
	case hostingv1.StepKepalaBidang:
		return c.TimeStandards.KepalaBidang.Duration
	case hostingv1.StepKepalaSeksi:
		return c.TimeStandards.KepalaSeksi.Duration
	case hostingv1.StepProvisioning:
		return c.TimeStandards.Provisioning.Duration
	}
	return 0
}

// TLS reports whether sites get a certificate (a clusterIssuer is configured).
func (c Config) TLS() bool { return c.ClusterIssuer != "" }

// TrafficNamespace is the namespace whose pods bring the sites their traffic: the
// Gateway's proxies or the ingress controller.
func (c Config) TrafficNamespace() string {
	if c.Routing == RoutingIngress {
		return c.IngressNamespace
	}
	if c.Gateway.ProxyNamespace != "" {
		return c.Gateway.ProxyNamespace
	}
	return c.Gateway.Namespace
}
