package harness

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// BIND is a running BIND 9 primary server for one zone, accepting TSIG-signed
// updates and transfers (what external-dns's rfc2136 provider needs).
type BIND struct {
	*Process
	Zone    string
	Port    int
	Addr    string // 127.0.0.1:port
	KeyName string
	Secret  string // base64, hmac-sha256
}

// StartBIND writes a configuration and a zone with the given extra records (zone file
// lines such as "lama IN A 192.0.2.99") into dir and starts named in the foreground.
func StartBIND(ctx context.Context, dir, zone string, records []string) (*BIND, error) {
	named, err := Binary("", "named")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	b := &BIND{Zone: zone, Port: port, Addr: fmt.Sprintf("127.0.0.1:%d", port), KeyName: "externaldns-key",
		Secret: base64.StdEncoding.EncodeToString(raw)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	conf := fmt.Sprintf(`options {
	directory "%[1]s";
	pid-file "%[1]s/named.pid";
	session-keyfile "%[1]s/session.key";
	managed-keys-directory "%[1]s";
	listen-on port %[2]d { 127.0.0.1; };
	listen-on-v6 { none; };
	recursion no;
	allow-query { any; };
	dnssec-validation no;
	notify no;
};
controls { };
key "%[3]s" { algorithm hmac-sha256; secret "%[4]s"; };
zone "%[5]s" {
	type primary;
	file "%[1]s/%[5]s.zone";
	allow-update { key "%[3]s"; };
	allow-transfer { key "%[3]s"; };
};
`, dir, port, b.KeyName, b.Secret, zone)
	zoneFile := fmt.Sprintf(`$TTL 60
@	IN SOA ns1.%[1]s. hostmaster.%[1]s. ( 1 60 60 3600 60 )
@	IN NS ns1.%[1]s.
ns1	IN A 127.0.0.1
%[2]s
`, zone, strings.Join(records, "\n"))
	if err := os.WriteFile(filepath.Join(dir, "named.conf"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, zone+".zone"), []byte(zoneFile), 0o644); err != nil {
		return nil, err
	}
	args := []string{"-g", "-n", "1", "-c", filepath.Join(dir, "named.conf")}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	p, err := Start(dir, "named", named, args)
	if err != nil {
		return nil, err
	}
	b.Process = p
	err = WaitFor(ctx, p, 30*time.Second, "BIND", func() error {
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
		in, _, err := (&dns.Client{Timeout: time.Second}).Exchange(m, b.Addr)
		if err != nil {
			return err
		}
		if in.Rcode != dns.RcodeSuccess || len(in.Answer) == 0 {
			return fmt.Errorf("SOA query answered %s", dns.RcodeToString[in.Rcode])
		}
		return nil
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return b, nil
}

// ExternalDNSArgs are the arguments external-dns needs to publish DNSEndpoints to b.
func (b *BIND) ExternalDNSArgs(kubeconfig, ownerID string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--source=crd", "--crd-source-apiversion=externaldns.k8s.io/v1alpha1", "--crd-source-kind=DNSEndpoint",
		"--provider=rfc2136",
		"--rfc2136-host=127.0.0.1", fmt.Sprintf("--rfc2136-port=%d", b.Port), "--rfc2136-zone=" + b.Zone,
		"--rfc2136-tsig-keyname=" + b.KeyName, "--rfc2136-tsig-secret=" + b.Secret, "--rfc2136-tsig-secret-alg=hmac-sha256",
		"--rfc2136-tsig-axfr",
		"--domain-filter=" + b.Zone,
		// Only the operator's DNSEndpoints, as in config/external-dns: one somebody
		// else writes, without the operator's label, is never published.
		"--label-filter=app.kubernetes.io/managed-by=subdomain-operator",
		"--policy=sync", "--registry=txt", "--txt-owner-id=" + ownerID,
		"--events", "--min-event-sync-interval=1s", "--interval=10s",
		"--metrics-address=127.0.0.1:0",
	}
}

// StartExternalDNS runs external-dns v0.21.0 from bin/ against b.
func StartExternalDNS(ctx context.Context, repoRoot, dir, kubeconfig string, b *BIND) (*Process, error) {
	bin, err := Binary(repoRoot, "external-dns")
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := b.ExternalDNSArgs(kubeconfig, "kudus-operator")
	args[len(args)-1] = fmt.Sprintf("--metrics-address=127.0.0.1:%d", port)
	return Start(dir, "external-dns", bin, args)
}

// Dig asks the BIND server with the real dig for a name's A records, as a person would.
func (b *BIND) Dig(ctx context.Context, name string) (string, error) {
	return DigAt(ctx, b.Addr, name)
}
