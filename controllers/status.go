package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/timeline"
)

func setCondition(sdr *hostingv1.SubdomainRequest, typ string, status bool, reason, message string) {
	s := metav1.ConditionFalse
	if status {
		s = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&sdr.Status.Conditions, metav1.Condition{
		Type: typ, Status: s, Reason: reason, Message: message, ObservedGeneration: sdr.Generation,
	})
}

func (r *SubdomainRequestReconciler) setConditions(sdr *hostingv1.SubdomainRequest, st *state, ph hostingv1.Phase) {
	setNameAvailableCondition(sdr, st)
	setApprovedCondition(sdr, st.chain)
	if r.Provisioning {
		r.setProvisioningConditions(sdr, st)
	}
	// After the site's conditions: a breach of the provisioning standard names what
	// they say is missing.
	setSLACondition(sdr)
	setReadyCondition(sdr, ph, st)
}

func setNameAvailableCondition(sdr *hostingv1.SubdomainRequest, st *state) {
	if sdr.Status.Namespace != "" && !st.name.Available {
		// Once claimed, the name is ours; later uses elsewhere are not a reason to return it.
		setCondition(sdr, hostingv1.ConditionNameAvailable, true, hostingv1.ReasonNameAvailable,
			fmt.Sprintf("the name is granted to this request (Namespace %s)", sdr.Status.Namespace))
		return
	}
	setCondition(sdr, hostingv1.ConditionNameAvailable, st.name.Available, st.name.Reason, st.name.Message)
}

func setApprovedCondition(sdr *hostingv1.SubdomainRequest, chain approval.Chain) {
	if rej := chain.Rejection; rej != nil {
		setCondition(sdr, hostingv1.ConditionApproved, false, hostingv1.ReasonRejected,
			fmt.Sprintf("rejected by %s (%s): %s", rej.User, approval.RoleTitle(rej.Role), rej.Reason))
		return
	}
	// Who the request waits for is phase.Decide's answer (status.waitingFor): while the
	// applicant must choose another name, no official is waited for.
	if sdr.Status.WaitingFor == hostingv1.WaitingForApplicant {
		msg := "returned to the applicant to choose another name"
		if held := timeline.Holding(sdr.Status.Steps, hostingv1.StepApplicantRename); held != nil && held.Message != "" {
			msg += ": " + held.Message
		}
		setCondition(sdr, hostingv1.ConditionApproved, false, hostingv1.ReasonReturnedToApplicant,
			msg+"; the officials' clocks are stopped until the applicant changes spec.subdomain")
		return
	}
	if next, pending := chain.NextRole(); pending {
		setCondition(sdr, hostingv1.ConditionApproved, false, hostingv1.ReasonAwaitingApproval,
			fmt.Sprintf("waiting for the %s (%s)", approval.RoleTitle(next), next))
		return
	}
	var by []string
	for _, role := range hostingv1.Roles {
		by = append(by, fmt.Sprintf("%s: %s", role, chain.Approvals[role]))
	}
	setCondition(sdr, hostingv1.ConditionApproved, true, hostingv1.ReasonApproved, "approved by "+strings.Join(by, ", "))
}

// setSLACondition tells whether a step overran its time standard. The time a request
// spends with the applicant is charged to no official (the timeline stops their
// clocks). A breach of the provisioning standard says whose time it was: blocked on the
// platform team (the Provisioning step's message in the timeline), or else what the
// site still misses.
func setSLACondition(sdr *hostingv1.SubdomainRequest) {
	var stopped string
	if sdr.Status.WaitingFor == hostingv1.WaitingForApplicant {
		stopped = "; the officials' clocks are stopped while the request is back with the applicant"
	}
	breached := timeline.Breached(sdr.Status.Steps)
	if len(breached) == 0 {
		setCondition(sdr, hostingv1.ConditionSLABreached, false, hostingv1.ReasonWithinTimeStandard, "every step is within its time standard"+stopped)
		return
	}
	var parts []string
	var provisioning string
	for _, name := range breached {
		st := findStep(sdr.Status.Steps, name)
		parts = append(parts, fmt.Sprintf("%s (standard %s)", name, st.TimeStandard.Duration))
		switch {
		case name != hostingv1.StepProvisioning:
		case st.Message != "":
			provisioning = "; " + st.Message
		case st.State == hostingv1.StepStateWaiting && meta.FindStatusCondition(sdr.Status.Conditions, hostingv1.ConditionNamespaceReady) != nil:
			provisioning = "; not serving yet: " + missingParts(sdr)
		}
	}
	setCondition(sdr, hostingv1.ConditionSLABreached, true, hostingv1.ReasonTimeStandardExceeded,
		"over the time standard: "+strings.Join(parts, ", ")+provisioning+stopped)
}

func setReadyCondition(sdr *hostingv1.SubdomainRequest, ph hostingv1.Phase, st *state) {
	switch {
	case ph == hostingv1.PhaseReady && st.prov.ready:
		setCondition(sdr, hostingv1.ConditionReady, true, hostingv1.ReasonProvisioned, "the site serves and its name resolves: "+sdr.Status.URL)
	case st.prov.started && (ph == hostingv1.PhaseReady || ph == hostingv1.PhaseProvisioning):
		msg := "not serving yet: "
		if ph == hostingv1.PhaseReady {
			msg = "the site was Ready, but does not serve now: "
		}
		setCondition(sdr, hostingv1.ConditionReady, false, hostingv1.ReasonNotServing, msg+missingParts(sdr))
		return
	}
	switch ph {
	case hostingv1.PhaseReady:
		setCondition(sdr, hostingv1.ConditionReady, true, hostingv1.ReasonProvisioned, "the site serves and its name resolves: "+sdr.Status.URL)
	case hostingv1.PhaseApproved:
		setCondition(sdr, hostingv1.ConditionReady, false, hostingv1.ReasonAwaitingProvisioning, "approved; waiting for provisioning")
	default:
		setCondition(sdr, hostingv1.ConditionReady, false, string(ph), "the request is in phase "+string(ph))
	}
}

// recordTransitions emits one Event per change a person should know about.
func (r *SubdomainRequestReconciler) recordTransitions(before, after *hostingv1.SubdomainRequest) {
	if r.Recorder == nil {
		return
	}
	// The approval that completes the chain is told with the phase it leads to, in one
	// Event (FullyApproved, or Provisioned when the site serves at once) instead of
	// two: an Event is a write on the path from the last approval to the site.
	approvedNow := func(ph hostingv1.Phase) bool {
		return ph == hostingv1.PhaseApproved || ph == hostingv1.PhaseProvisioning || ph == hostingv1.PhaseReady
	}
	completing := approvedNow(after.Status.Phase) && !approvedNow(before.Status.Phase)
	lastApproval := ""
	for _, role := range hostingv1.Roles {
		name := map[hostingv1.Role]string{
			hostingv1.RoleKepalaDinas: hostingv1.StepKepalaDinas, hostingv1.RoleKepalaBidangInformatika: hostingv1.StepKepalaBidang,
			hostingv1.RoleKepalaSeksiTIPersandian: hostingv1.StepKepalaSeksi}[role]
		old, cur := findStep(before.Status.Steps, name), findStep(after.Status.Steps, name)
		if cur == nil || (old != nil && old.State == cur.State) {
			continue
		}
		switch cur.State {
		case hostingv1.StepStateDone:
			if completing && role == hostingv1.Roles[len(hostingv1.Roles)-1] {
				lastApproval = fmt.Sprintf("%s approved as %s; ", cur.By, approval.RoleTitle(role))
				continue
			}
			r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, hostingv1.ReasonApproved, roleAction("Approve", role),
				"%s approved as %s", cur.By, approval.RoleTitle(role))
		case hostingv1.StepStateRejected:
			r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonRejected, roleAction("Reject", role),
				"%s rejected as %s: %s", cur.By, approval.RoleTitle(role), cur.Message)
		}
	}
	if before.Status.Phase != after.Status.Phase {
		switch after.Status.Phase {
		case hostingv1.PhaseReturnedToApplicant:
			r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonReturnedToApplicant, "CheckName",
				"returned to the applicant: %s", meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionNameAvailable).Message)
		case hostingv1.PhaseApproved, hostingv1.PhaseProvisioning:
			if before.Status.Phase != hostingv1.PhaseApproved && before.Status.Phase != hostingv1.PhaseProvisioning {
				r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, hostingv1.ReasonFullyApproved, "CompleteApprovals", "%sapproved by all three officials", lastApproval)
			}
		case hostingv1.PhaseReady:
			r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, hostingv1.ReasonProvisioned, "Provision", "%ssite ready at %s", lastApproval, after.Status.URL)
		}
		if before.Status.Phase == hostingv1.PhaseReturnedToApplicant && after.Status.Phase != hostingv1.PhaseRejected {
			r.Recorder.Eventf(after, nil, corev1.EventTypeNormal, hostingv1.ReasonRenamed, "CheckName", "the name %s is free", after.Spec.Subdomain)
		}
	}
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionHostExclusive); c != nil && c.Status == metav1.ConditionFalse {
		if old := meta.FindStatusCondition(before.Status.Conditions, hostingv1.ConditionHostExclusive); old == nil || old.Status != metav1.ConditionFalse || old.Message != c.Message {
			r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonHostServedElsewhere, "CheckHost", "%s", c.Message)
		}
	}
	wasBreached := meta.IsStatusConditionTrue(before.Status.Conditions, hostingv1.ConditionSLABreached)
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionSLABreached); c != nil && c.Status == metav1.ConditionTrue && !wasBreached {
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonTimeStandardExceeded, "MeasureTime", "%s", c.Message)
	}
	if c := newConflict(before, after); c != nil {
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonProvisioningConflict, "Provision", "%s", eventNote(c.Message))
	}
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionReady); c != nil && c.Reason == hostingv1.ReasonNotServing &&
		after.Status.Phase == hostingv1.PhaseReady && meta.IsStatusConditionTrue(before.Status.Conditions, hostingv1.ConditionReady) {
		// It served, and the applicant was told so: now it does not.
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonNotServing, "VerifySite", "%s", eventNote(c.Message))
	}
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionDNSReady); dnsOverdue(c) &&
		!dnsOverdue(meta.FindStatusCondition(before.Status.Conditions, hostingv1.ConditionDNSReady)) {
		r.Recorder.Eventf(after, nil, corev1.EventTypeWarning, hostingv1.ReasonDNSNotAnswering, "VerifyDNS", "%s", eventNote(c.Message))
	}
}

// roleAction is an Event's action for a decision in a role: one per role, because
// the events API counts an Event with the same type, reason and action on the same
// object within six minutes as a repeat of the first (an EventSeries) and drops its
// note: with one action for all three, the second official's approval would show as
// the first's, twice.
func roleAction(verb string, role hostingv1.Role) string {
	return verb + "As" + strings.ReplaceAll(approval.RoleTitle(role), " ", "")
}

// newConflict is the provisioning condition that now reports a conflict (an object
// the operator did not make) it did not report before, if any.
func newConflict(before, after *hostingv1.SubdomainRequest) *metav1.Condition {
	for _, typ := range []string{hostingv1.ConditionNamespaceReady, hostingv1.ConditionIngressReady, hostingv1.ConditionDNSReady} {
		c := meta.FindStatusCondition(after.Status.Conditions, typ)
		if c == nil || c.Reason != hostingv1.ReasonConflict {
			continue
		}
		if old := meta.FindStatusCondition(before.Status.Conditions, typ); old != nil && old.Reason == c.Reason && old.Message == c.Message {
			continue
		}
		return c
	}
	return nil
}

// logTransitions logs, once, what changed on record for a person to know: the phase,
// the DNS answer, a conflict, a breach. Approvals and rejections show in the phase.
func logTransitions(ctx context.Context, before, after *hostingv1.SubdomainRequest) {
	log := ctrl.LoggerFrom(ctx)
	if before.Status.Phase != after.Status.Phase {
		kv := []any{"from", before.Status.Phase, "to", after.Status.Phase}
		switch after.Status.Phase {
		case hostingv1.PhaseReady:
			kv = append(kv, "url", after.Status.URL)
		case hostingv1.PhaseReturnedToApplicant, hostingv1.PhaseRejected:
			kv = append(kv, "reason", returnedOrRejected(after))
		default:
			if after.Status.WaitingFor != "" {
				kv = append(kv, "waitingFor", after.Status.WaitingFor)
			}
		}
		log.Info("phase changed", kv...)
	}
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionDNSReady); c != nil && c.Status == metav1.ConditionTrue &&
		!meta.IsStatusConditionTrue(before.Status.Conditions, hostingv1.ConditionDNSReady) {
		log.Info("DNS answers", "reason", c.Reason, "answer", c.Message)
	}
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionDNSReady); dnsOverdue(c) &&
		!dnsOverdue(meta.FindStatusCondition(before.Status.Conditions, hostingv1.ConditionDNSReady)) {
		log.Info("DNS still not answering", "answer", c.Message)
	}
	if c := newConflict(before, after); c != nil {
		log.Info("provisioning blocked: an object of the site's name was not made by the operator", "condition", c.Type, "conflict", c.Message)
	}
	if c := meta.FindStatusCondition(after.Status.Conditions, hostingv1.ConditionSLABreached); c != nil && c.Status == metav1.ConditionTrue &&
		!meta.IsStatusConditionTrue(before.Status.Conditions, hostingv1.ConditionSLABreached) {
		log.Info("time standard exceeded", "breach", c.Message)
	}
}

// returnedOrRejected is why a request went back to the applicant or was rejected.
func returnedOrRejected(sdr *hostingv1.SubdomainRequest) string {
	typ := hostingv1.ConditionNameAvailable
	if sdr.Status.Phase == hostingv1.PhaseRejected {
		typ = hostingv1.ConditionApproved
	}
	if c := meta.FindStatusCondition(sdr.Status.Conditions, typ); c != nil {
		return c.Message
	}
	return ""
}

// maxEventNote keeps an Event's note within the API's limit (1 kB).
const maxEventNote = 1000

// eventNote shortens a message to what an Event can carry.
func eventNote(s string) string {
	if len(s) <= maxEventNote {
		return s
	}
	return strings.ToValidUTF8(s[:maxEventNote-3], "") + "..."
}

// siteConditions are the conditions that together make Ready, in the order a site is
// made.
var siteConditions = []string{
	hostingv1.ConditionNamespaceReady, hostingv1.ConditionIngressReady, hostingv1.ConditionHostExclusive,
	hostingv1.ConditionSiteAvailable, hostingv1.ConditionRouteAccepted, hostingv1.ConditionCertificateReady, hostingv1.ConditionDNSReady,
}

// missingParts names the site conditions that do not hold, each with its message: what
// the Ready condition and a breach of the provisioning standard tell.
func missingParts(sdr *hostingv1.SubdomainRequest) string {
	var out []string
	for _, typ := range siteConditions {
		if c := meta.FindStatusCondition(sdr.Status.Conditions, typ); c != nil && c.Status != metav1.ConditionTrue {
			out = append(out, typ+" ("+c.Message+")")
		}
	}
	if len(out) == 0 {
		return "the site is being provisioned"
	}
	return strings.Join(out, "; ")
}

// setServingConditions reports whether the site serves: RouteAccepted, CertificateReady
// (with TLS) and SiteAvailable (with the starter site), each read from the status its
// own controller wrote. A condition that does not apply is removed.
func (r *SubdomainRequestReconciler) setServingConditions(sdr *hostingv1.SubdomainRequest, site provisioned) {
	if site.notServing == nil {
		return // provisioning did not get as far as the site's parts
	}
	ns := sdr.Status.Namespace
	route := "HTTPRoute " + ns + "/" + SiteName + " is accepted by Gateway " + r.Config.Gateway.Namespace + "/" + r.Config.Gateway.Name
	if r.Config.TLS() && r.Config.Routing == config.RoutingGateway {
		route += " and ListenerSet " + ns + "/" + SiteName
	}
	if r.Config.Routing == config.RoutingIngress {
		route = "Ingress " + ns + "/" + SiteName + " has an address from the ingress controller"
	}
	for _, c := range []struct{ typ, ok, not, served string }{
		{hostingv1.ConditionRouteAccepted, hostingv1.ReasonRouteAccepted, hostingv1.ReasonRouteNotAccepted, route},
		{hostingv1.ConditionCertificateReady, hostingv1.ReasonCertificateIssued, hostingv1.ReasonCertificateNotReady,
			"Certificate " + ns + "/" + CertificateName + " is issued by ClusterIssuer " + r.Config.ClusterIssuer},
		{hostingv1.ConditionSiteAvailable, hostingv1.ReasonSiteAvailable, hostingv1.ReasonSiteUnavailable,
			"Deployment " + ns + "/" + SiteName + " is available"},
	} {
		why, applies := site.notServing[c.typ]
		switch {
		case !applies:
			meta.RemoveStatusCondition(&sdr.Status.Conditions, c.typ)
		case why == "":
			setCondition(sdr, c.typ, true, c.ok, c.served)
		default:
			setCondition(sdr, c.typ, false, c.not, why)
		}
	}
}

// setProvisioningConditions reports step 5: NamespaceReady, IngressReady, DNSReady,
// HostExclusive, and whether the site serves.
func (r *SubdomainRequestReconciler) setProvisioningConditions(sdr *hostingv1.SubdomainRequest, st *state) {
	p := st.prov
	if !p.started {
		return
	}
	fqdn := r.Config.FQDN(sdr.Spec.Subdomain)
	switch {
	case p.namespaceConflict != "":
		setCondition(sdr, hostingv1.ConditionNamespaceReady, false, hostingv1.ReasonConflict, p.namespaceConflict)
	case p.site.conflictAffects == hostingv1.ConditionNamespaceReady:
		setCondition(sdr, hostingv1.ConditionNamespaceReady, false, hostingv1.ReasonConflict, p.site.conflict)
	case p.site.ready[hostingv1.ConditionNamespaceReady]:
		setCondition(sdr, hostingv1.ConditionNamespaceReady, true, hostingv1.ReasonProvisioned,
			fmt.Sprintf("Namespace %s with quota, limits, network policy and the group %s as editors", sdr.Status.Namespace, sdr.Spec.Applicant.Group))
	default:
		setCondition(sdr, hostingv1.ConditionNamespaceReady, false, hostingv1.ReasonProvisioning, "the Namespace is not provisioned yet")
	}
	switch {
	case p.site.conflictAffects == hostingv1.ConditionIngressReady:
		setCondition(sdr, hostingv1.ConditionIngressReady, false, hostingv1.ReasonConflict, p.site.conflict)
	case p.site.ready[hostingv1.ConditionIngressReady] && p.namespaceConflict == "":
		setCondition(sdr, hostingv1.ConditionIngressReady, true, hostingv1.ReasonProvisioned, r.routeKind()+" "+sdr.Status.Namespace+"/"+SiteName+" routes "+fqdn+" to Service "+SiteName)
	default:
		setCondition(sdr, hostingv1.ConditionIngressReady, false, hostingv1.ReasonProvisioning, "the "+r.routeKind()+" is not provisioned yet")
	}
	r.setServingConditions(sdr, p.site)
	switch {
	case p.site.conflictAffects == hostingv1.ConditionDNSReady:
		setCondition(sdr, hostingv1.ConditionDNSReady, false, hostingv1.ReasonConflict, p.site.conflict)
	case p.dns.reason == "":
		setCondition(sdr, hostingv1.ConditionDNSReady, false, hostingv1.ReasonProvisioning, "the DNS record is not published yet")
	default:
		setCondition(sdr, hostingv1.ConditionDNSReady, p.dns.ready, p.dns.reason, p.dns.message)
	}
	switch {
	case len(p.elsewhere) > 0:
		setCondition(sdr, hostingv1.ConditionHostExclusive, false, hostingv1.ReasonHostServedElsewhere,
			fmt.Sprintf("%s is also served or published outside namespace %s, by %s; the platform team must remove them before the site is Ready",
				fqdn, sdr.Status.Namespace, strings.Join(p.elsewhere, ", ")))
	case p.site.ready[hostingv1.ConditionNamespaceReady]:
		setCondition(sdr, hostingv1.ConditionHostExclusive, true, hostingv1.ReasonHostExclusive,
			fmt.Sprintf("only namespace %s serves and publishes %s", sdr.Status.Namespace, fqdn))
	}
}

// routeKind is the kind of the site's route in the configured routing mode.
func (r *SubdomainRequestReconciler) routeKind() string {
	if r.Config.Routing == config.RoutingIngress {
		return "Ingress"
	}
	return "HTTPRoute"
}
