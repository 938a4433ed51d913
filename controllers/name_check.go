package controllers

// Step 4 of the SOP: the Kepala Seksi checks whether the name is already used.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/availability"
	"github.com/kudus-diskominfo/subdomain-operator/internal/naming"
	"github.com/kudus-diskominfo/subdomain-operator/internal/sitestore"
)

// Field index names. Lookups by name go through these, never through list scans.
const (
	IndexSubdomain = "spec.subdomain"
)

func setupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &hostingv1.SubdomainRequest{}, IndexSubdomain, func(o client.Object) []string {
		return []string{o.(*hostingv1.SubdomainRequest).Spec.Subdomain}
	}); err != nil {
		return fmt.Errorf("indexing requests by subdomain: %w", err)
	}
	return nil
}

// nameCheck is the outcome of the Kepala Seksi's check, automated.
type nameCheck struct {
	availability.Result
}

// checkName gathers who else uses the request's name and decides whether it is free.
func (r *SubdomainRequestReconciler) checkName(ctx context.Context, sdr *hostingv1.SubdomainRequest, claimed bool) (nameCheck, error) {
	label := sdr.Spec.Subdomain
	fqdn := r.Config.FQDN(label)
	facts := availability.Facts{
		Label:    label,
		FQDN:     fqdn,
		Reserved: naming.IsReserved(label, r.Config.ReservedNames),
		Self:     asAvailabilityRequest(sdr),
	}

	var others hostingv1.SubdomainRequestList
	if err := r.List(ctx, &others, client.MatchingFields{IndexSubdomain: label}); err != nil {
		return nameCheck{}, fmt.Errorf("listing requests for %s: %w", label, err)
	}
	for i := range others.Items {
		if others.Items[i].Name != sdr.Name {
			facts.Others = append(facts.Others, asAvailabilityRequest(&others.Items[i]))
		}
	}

	// An object is this request's own only inside the request's own namespace: a
	// request label on an object anywhere else is somebody's claim, never trusted.
	own := func(u sitestore.HostUser) bool {
		return u.Namespace == r.Config.NamespaceFor(label) && u.Request == sdr.Name
	}
	for _, ing := range r.store.ByHost("Ingress", fqdn) {
		if !own(ing) {
			facts.Ingresses = append(facts.Ingresses, availability.Object{Namespace: ing.Namespace, Name: ing.Name})
		}
	}
	for _, kind := range []string{"HTTPRoute", "ListenerSet"} {
		for _, u := range r.store.ByHost(kind, fqdn) {
			if !own(u) {
				facts.Routes = append(facts.Routes, availability.Object{Kind: kind, Namespace: u.Namespace, Name: u.Name})
			}
		}
	}
	ownDNSEndpoint := false
	for _, ep := range r.store.ByHost("DNSEndpoint", fqdn) {
		if !own(ep) {
			facts.DNSEndpoints = append(facts.DNSEndpoints, availability.Object{Namespace: ep.Namespace, Name: ep.Name})
		} else {
			ownDNSEndpoint = true
		}
	}

	// The zone is asked only while the name is not yet ours: once we published the
	// record, the answer is our own.
	if r.DNS != nil && !claimed && !ownDNSEndpoint {
		ans, err := r.DNS.Lookup(ctx, fqdn)
		if err != nil {
			ctrl.LoggerFrom(ctx).Info("DNS server did not answer the availability check; relying on the cluster's view", "fqdn", fqdn, "error", err.Error())
		} else {
			facts.ZoneRecords = ans.Records
		}
	}
	return nameCheck{availability.Decide(facts)}, nil
}

func asAvailabilityRequest(s *hostingv1.SubdomainRequest) availability.Request {
	rejected := false
	for _, role := range hostingv1.Roles {
		if _, ok := s.Annotations[hostingv1.RejectionAnnotation(role)]; ok {
			rejected = true
		}
	}
	return availability.Request{
		Name:      s.Name,
		Unit:      s.Spec.Applicant.Unit,
		Created:   s.CreationTimestamp.Time,
		Claimed:   s.Status.Namespace != "",
		Finished:  rejected || !s.DeletionTimestamp.IsZero() && s.Status.Namespace == "",
		Ready:     s.Status.Phase == hostingv1.PhaseReady,
		Namespace: s.Status.Namespace,
	}
}

func (r *SubdomainRequestReconciler) enqueueSameName(ctx context.Context, q queue, obj client.Object) {
	sdr, ok := obj.(*hostingv1.SubdomainRequest)
	if !ok {
		return
	}
	var list hostingv1.SubdomainRequestList
	if err := r.List(ctx, &list, client.MatchingFields{IndexSubdomain: sdr.Spec.Subdomain}); err != nil {
		return
	}
	for _, other := range list.Items {
		if other.Name != sdr.Name {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Name: other.Name}})
		}
	}
}

func (r *SubdomainRequestReconciler) requestsForHosts(ctx context.Context, hosts []string) []reconcile.Request {
	suffix := "." + r.Config.BaseDomain
	var out []reconcile.Request
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.ToLower(h), ".")
		if !strings.HasSuffix(h, suffix) {
			continue
		}
		var list hostingv1.SubdomainRequestList
		if err := r.List(ctx, &list, client.MatchingFields{IndexSubdomain: strings.TrimSuffix(h, suffix)}); err != nil {
			continue
		}
		for _, s := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: s.Name}})
		}
	}
	return out
}

// decisionTime is when the API server recorded a role's decision: the time of the
// managedFields entry that owns the annotation. That entry's time moves when the same
// field manager writes again, so it is read only for decisions not yet in the
// timeline, when it is at most the time of the latest write; now is the fallback.
func decisionTime(sdr *hostingv1.SubdomainRequest, role hostingv1.Role, now time.Time) time.Time {
	keys := []string{"f:" + hostingv1.ApprovalAnnotation(role), "f:" + hostingv1.RejectionAnnotation(role)}
	best := now
	for _, mf := range sdr.ManagedFields {
		if mf.FieldsV1 == nil || mf.Time == nil || mf.Subresource != "" {
			continue
		}
		var fields map[string]map[string]map[string]json.RawMessage
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields); err != nil {
			continue
		}
		ann := fields["f:metadata"]["f:annotations"]
		for _, k := range keys {
			if _, ok := ann[k]; ok && mf.Time.Time.Before(best) {
				best = mf.Time.Time
			}
		}
	}
	return best
}

// servedElsewhere lists the objects (Ingresses, DNSEndpoints, HTTPRoutes, ListenerSets)
// outside the site's namespace
// that serve or publish its host: an object that predates the grant (admission
// refuses new ones). The site is not Ready while there are any.
func (r *SubdomainRequestReconciler) servedElsewhere(sdr *hostingv1.SubdomainRequest) []string {
	fqdn, ns := r.Config.FQDN(sdr.Spec.Subdomain), r.Config.NamespaceFor(sdr.Spec.Subdomain)
	var out []string
	for _, kind := range hostKinds(r.Config) {
		for _, u := range r.store.ByHost(kind, fqdn) {
			if u.Namespace != ns {
				out = append(out, fmt.Sprintf("%s %s/%s", kind, u.Namespace, u.Name))
			}
		}
	}
	return out
}
