package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// Between steps 5 and 6: the name must really resolve before the applicant is told.

// dnsAnswer is what the authoritative DNS server said about the site's name.
type dnsAnswer struct {
	ready           bool
	reason, message string
}

// checkDNS asks the authoritative server for the name and returns its answer and when
// to ask again: soon at first, then backing off to 30 seconds.
func (r *SubdomainRequestReconciler) checkDNS(ctx context.Context, sdr *hostingv1.SubdomainRequest, now time.Time) (dnsAnswer, time.Duration) {
	fqdn := r.Config.FQDN(sdr.Spec.Subdomain)
	if r.DNS == nil {
		return dnsAnswer{ready: true, reason: "NotVerified",
			message: "the DNSEndpoint is published; no DNS server is configured to verify the answer"}, 0
	}
	var a dnsAnswer
	ans, err := r.DNS.Lookup(ctx, fqdn)
	switch {
	case err != nil:
		a = dnsAnswer{reason: hostingv1.ReasonDNSNotAnswering, message: err.Error()}
	case ans.Matches(r.Config.IngressTarget.IPs, r.Config.IngressTarget.CNAME):
		return dnsAnswer{ready: true, reason: hostingv1.ReasonDNSAnswering,
			message: fmt.Sprintf("%s answers %s for %s", ans.Server, strings.Join(ans.Records, ", "), fqdn)}, 0
	case ans.NXDomain():
		a = dnsAnswer{reason: hostingv1.ReasonDNSNotAnswering, message: fmt.Sprintf("%s answers NXDOMAIN for %s (external-dns has not published it yet)", ans.Server, fqdn)}
	default:
		a = dnsAnswer{reason: hostingv1.ReasonDNSNotAnswering, message: fmt.Sprintf("%s answers %q for %s, not the configured target", ans.Server, ans.Records, fqdn)}
	}
	since := now
	if c := meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionDNSReady); c != nil && c.Status != "True" {
		since = c.LastTransitionTime.Time
	}
	return a, dnsBackoff(now.Sub(since))
}

// dnsBackoff grows with the time already spent waiting: 500ms, then a quarter of the
// wait so far, at most 30s.
func dnsBackoff(waited time.Duration) time.Duration {
	d := waited / 4
	if d < 500*time.Millisecond {
		d = 500 * time.Millisecond
	}
	if d > 30*time.Second {
		d = 30 * time.Second
	}
	return d
}
