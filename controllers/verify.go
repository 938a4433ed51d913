package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

// Between steps 5 and 6: the name must really resolve before the applicant is told.

// DNSWarningAfter is how long the site's name may go without the configured answer
// before the request gets a Warning Event (and its DNSReady message says since when):
// external-dns publishes within a minute when it works.
const DNSWarningAfter = 2 * time.Minute

// dnsOverdueNote marks a DNSReady message written after DNSWarningAfter; the Event is
// told when it first appears.
const dnsOverdueNote = "; no answer for over "

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
		dnsChecks.WithLabelValues(dnsError).Inc()
		a = dnsAnswer{reason: hostingv1.ReasonDNSNotAnswering, message: err.Error()}
	case ans.Matches(r.Config.IngressTarget.IPs, r.Config.IngressTarget.CNAME):
		dnsChecks.WithLabelValues(dnsAnswering).Inc()
		return dnsAnswer{ready: true, reason: hostingv1.ReasonDNSAnswering,
			message: fmt.Sprintf("%s answers %s for %s", ans.Server, strings.Join(ans.Records, ", "), fqdn)}, 0
	case ans.NXDomain():
		dnsChecks.WithLabelValues(dnsNotAnswering).Inc()
		a = dnsAnswer{reason: hostingv1.ReasonDNSNotAnswering, message: fmt.Sprintf("%s answers NXDOMAIN for %s (external-dns has not published it yet)", ans.Server, fqdn)}
	default:
		dnsChecks.WithLabelValues(dnsNotAnswering).Inc()
		a = dnsAnswer{reason: hostingv1.ReasonDNSNotAnswering, message: fmt.Sprintf("%s answers %q for %s, not the configured target", ans.Server, ans.Records, fqdn)}
	}
	since := now
	if c := meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionDNSReady); c != nil && c.Status != "True" {
		since = c.LastTransitionTime.Time
	}
	if now.Sub(since) >= DNSWarningAfter {
		// Fixed text for one wait, so that an idle re-check writes nothing.
		a.message += fmt.Sprintf("%s%s (since %s)", dnsOverdueNote, DNSWarningAfter, since.UTC().Format(time.RFC3339))
	}
	return a, dnsBackoff(now.Sub(since))
}

// dnsOverdue reports whether a DNSReady condition says the name has gone without an
// answer for over DNSWarningAfter.
func dnsOverdue(c *metav1.Condition) bool {
	return c != nil && c.Status == metav1.ConditionFalse && c.Reason == hostingv1.ReasonDNSNotAnswering &&
		strings.Contains(c.Message, dnsOverdueNote)
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
