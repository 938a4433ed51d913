// Package requestcache says what the operator's cache holds: the SubdomainRequests,
// of their managedFields only the entries that date a decision, and of ConfigMaps only
// the 32 granted-hosts maps. The provisioned objects, Ingresses and DNSEndpoints are
// followed by internal/sitestore instead, at a fraction of the memory.
package requestcache

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"unique"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// Options are the cache options of the operator's manager, whose rest config is
// restConfig (the requests are watched with it, see requestWatcher).
func Options(cfg config.Config, restConfig *rest.Config) cache.Options {
	return cache.Options{NewInformer: newInformer(restConfig), ByObject: map[client.Object]cache.ByObject{
		&hostingv1.SubdomainRequest{}: {Transform: Transform},
		// The grants maps without their managedFields (one field entry per host, as
		// large again as the data), which nothing here reads.
		&corev1.ConfigMap{}: {Namespaces: map[string]cache.Config{cfg.GrantedHosts.Namespace: {
			LabelSelector: labels.SelectorFromSet(labels.Set{hostingv1.GrantShardLabel: cfg.GrantedHosts.Name})}},
			Transform: cache.TransformStripManagedFields()},
	}}
}

// Transform keeps, of a request's managedFields, only the entries that own an
// approval or rejection annotation, reduced to those annotations: they date the
// decisions (decisionTime). The rest is most of a request's size and never read.
func Transform(in any) (any, error) {
	sdr, ok := in.(*hostingv1.SubdomainRequest)
	if !ok {
		return in, nil
	}
	var keep []metav1.ManagedFieldsEntry
	for _, mf := range sdr.ManagedFields {
		if mf.Manager == packedManager {
			// Transformed before: a streamed first list (watch-list) transforms each
			// object into the reflector's temporary store, and the informer's queue
			// transforms it again when the list replaces its content.
			keep = append(keep, mf)
			continue
		}
		if mf.FieldsV1 == nil || mf.Subresource != "" {
			continue
		}
		// Most entries own no decision (the spec's, the requester's, a GitOps
		// tool's): told without decoding them.
		if raw := mf.FieldsV1.GetRawBytes(); !bytes.Contains(raw, approvalField) && !bytes.Contains(raw, rejectionField) {
			continue
		}
		var fields map[string]map[string]map[string]json.RawMessage
		if err := json.Unmarshal(mf.FieldsV1.GetRawBytes(), &fields); err != nil {
			continue
		}
		decisions := map[string]json.RawMessage{}
		for k, v := range fields["f:metadata"]["f:annotations"] {
			if strings.HasPrefix(k, "f:"+hostingv1.ApprovalAnnotationPrefix) || strings.HasPrefix(k, "f:"+hostingv1.RejectionAnnotationPrefix) {
				decisions[k] = v
			}
		}
		if len(decisions) == 0 {
			continue
		}
		raw, err := json.Marshal(map[string]any{"f:metadata": map[string]any{"f:annotations": decisions}})
		if err != nil {
			continue
		}
		keep = append(keep, metav1.ManagedFieldsEntry{Manager: mf.Manager, Operation: mf.Operation, Time: mf.Time,
			FieldsType: mf.FieldsType, FieldsV1: metav1.NewFieldsV1(string(raw))})
	}
	sdr.ManagedFields = keep
	compact(sdr)
	if err := pack(sdr); err != nil {
		// Cannot happen (the JSON of API types into memory); kept whole, then.
		compactStatus(sdr)
	}
	return sdr, nil
}

var approvalField, rejectionField = []byte(`"f:` + hostingv1.ApprovalAnnotationPrefix), []byte(`"f:` + hostingv1.RejectionAnnotationPrefix)

// lastApplied is the annotation client-side apply (kubectl apply, GitOps tools) writes
// with the whole manifest in it: as large as the spec again, and never read here.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// compact makes a cached request smaller without changing what any code reads of it
// (the annotation it drops is never read, and no write sends the cached object
// whole: every write is a patch computed from two copies of it): the strings most
// requests share (phases, the officials' and applicants' user names and groups,
// annotation and label keys, finalizers, managers) are interned, one copy for all
// requests. The conditions and steps are packed (pack.go).
//
// Measured on a Ready request of the benchmark (11 conditions, 6 steps):
// BenchmarkCachedRequest gives the figures (docs/benchmarks.md).
func compact(sdr *hostingv1.SubdomainRequest) {
	sdr.Finalizers = internAll(sdr.Finalizers)
	sdr.Annotations = internMap(sdr.Annotations, lastApplied)
	sdr.Labels = internMap(sdr.Labels, "")
	for i := range sdr.ManagedFields {
		mf := &sdr.ManagedFields[i]
		mf.Manager, mf.APIVersion, mf.FieldsType = intern(mf.Manager), intern(mf.APIVersion), intern(mf.FieldsType)
		mf.Operation = metav1.ManagedFieldsOperationType(intern(string(mf.Operation)))
	}
	sdr.ManagedFields = slices.Clip(sdr.ManagedFields)
	a := &sdr.Spec.Applicant
	a.Group, a.Position = intern(a.Group), intern(a.Position)
	sdr.Spec.Hosting.Plan = hostingv1.Plan(intern(string(sdr.Spec.Hosting.Plan)))

	st := &sdr.Status
	st.Phase = hostingv1.Phase(intern(string(st.Phase)))
	st.WaitingFor, st.RequestedBy = intern(st.WaitingFor), intern(st.RequestedBy)
}

// compactStatus is compact for the conditions and steps, had they not been packed.
func compactStatus(sdr *hostingv1.SubdomainRequest) {
	st := &sdr.Status
	if st.Conditions != nil {
		st.Conditions = slices.Clone(st.Conditions)
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		c.Type, c.Reason = intern(c.Type), intern(c.Reason)
		c.Status = metav1.ConditionStatus(intern(string(c.Status)))
	}
	if st.Steps != nil {
		st.Steps = slices.Clone(st.Steps)
	}
	instants := map[int64]*metav1.Time{}
	same := func(t *metav1.Time) *metav1.Time {
		if t == nil {
			return nil
		}
		k := t.UnixNano()
		if p, ok := instants[k]; ok && p.Equal(t) {
			return p
		}
		instants[k] = t
		return t
	}
	for i := range st.Steps {
		s := &st.Steps[i]
		s.Name, s.Role, s.By, s.Took = intern(s.Name), intern(s.Role), intern(s.By), intern(s.Took)
		s.State = hostingv1.StepState(intern(string(s.State)))
		s.StartedAt, s.DecidedAt, s.Deadline = same(s.StartedAt), same(s.DecidedAt), same(s.Deadline)
	}
}

// intern returns the one copy of s shared by every cached request.
func intern(s string) string {
	if s == "" {
		return s
	}
	return unique.Make(s).Value()
}

func internAll(in []string) []string {
	for i := range in {
		in[i] = intern(in[i])
	}
	return slices.Clip(in)
}

// internMap interns a map's keys and values, without the key drop.
func internMap(in map[string]string, drop string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		if k != drop {
			out[intern(k)] = intern(v)
		}
	}
	return out
}
