package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
)

var sdrResource = hostingv1.GroupVersion.WithResource("subdomainrequests")

// kubeClients reach the API server as one user (the bearer of one ID token). They are
// kept in the user's session and dropped with it.
type kubeClients struct {
	core kubernetes.Interface
	sdrs dynamic.ResourceInterface
}

func newKubeClients(cfg *rest.Config) (*kubeClients, error) {
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &kubeClients{core: core, sdrs: dyn.Resource(sdrResource)}, nil
}

// list returns every request the user may list, oldest first.
func (k *kubeClients) list(ctx context.Context) ([]hostingv1.SubdomainRequest, error) {
	ul, err := k.sdrs.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]hostingv1.SubdomainRequest, 0, len(ul.Items))
	for i := range ul.Items {
		var sdr hostingv1.SubdomainRequest
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(ul.Items[i].Object, &sdr); err != nil {
			return nil, fmt.Errorf("reading SubdomainRequest %s: %w", ul.Items[i].GetName(), err)
		}
		out = append(out, sdr)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].CreationTimestamp, out[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func (k *kubeClients) get(ctx context.Context, name string) (*hostingv1.SubdomainRequest, error) {
	u, err := k.sdrs.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var sdr hostingv1.SubdomainRequest
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &sdr); err != nil {
		return nil, fmt.Errorf("reading SubdomainRequest %s: %w", name, err)
	}
	return &sdr, nil
}

// create files a request as the user.
func (k *kubeClients) create(ctx context.Context, sdr *hostingv1.SubdomainRequest) (*hostingv1.SubdomainRequest, error) {
	sdr.SetGroupVersionKind(hostingv1.GroupVersion.WithKind("SubdomainRequest"))
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(sdr)
	if err != nil {
		return nil, err
	}
	// The converter writes the zero status and creationTimestamp; the API server
	// ignores the first and refuses nothing for the second, but a clean manifest is
	// what the audit log should show.
	delete(obj, "status")
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	created, err := k.sdrs.Create(ctx, &unstructured.Unstructured{Object: obj}, metav1.CreateOptions{FieldManager: fieldManager})
	if err != nil {
		return nil, err
	}
	var out hostingv1.SubdomainRequest
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(created.Object, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// fieldManager is the portal's field manager for the applicant's writes; the
// officials' decisions use decisionFieldManager.
const fieldManager = "subdomain-portal"

// decisionFieldManager is one field manager per role, as the kubectl plugin has
// (kubectl-subdomain-<role>), so that the API server's record of when a decision was
// written (managedFields, which the operator dates the timeline by) is not moved by
// another official's decision.
func decisionFieldManager(role hostingv1.Role) string { return fieldManager + "-" + string(role) }

// decisionPatch is the JSON merge patch that records a decision: the annotations and
// nothing else, exactly what `kubectl subdomain approve|reject` sends.
func decisionPatch(annotations map[string]string) ([]byte, error) {
	return json.Marshal(map[string]any{"metadata": map[string]any{"annotations": annotations}})
}

// decide records a decision as the user.
func (k *kubeClients) decide(ctx context.Context, name string, role hostingv1.Role, annotations map[string]string) error {
	patch, err := decisionPatch(annotations)
	if err != nil {
		return err
	}
	_, err = k.sdrs.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: decisionFieldManager(role)})
	return err
}

// rename changes spec.subdomain as the user.
func (k *kubeClients) rename(ctx context.Context, name, subdomain string) error {
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"subdomain": subdomain}})
	if err != nil {
		return err
	}
	_, err = k.sdrs.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
	return err
}

// abilities are what the API server lets the user do with requests, asked as the
// user; the pages and the navigation follow them.
type abilities struct {
	Create bool
	List   bool
	// Roles are the officials' roles the user holds (the RBAC verb approve on
	// subdomainrequests named after the role, the check the admission policy makes).
	Roles []hostingv1.Role
}

// Official reports whether the user holds any official's role.
func (a *abilities) Official() bool { return len(a.Roles) > 0 }

// abilitiesTTL is how long a user's abilities are trusted before they are asked again.
const abilitiesTTL = time.Minute

// abilities asks the API server, as the user, what the user may do (cached for a minute).
func (s *session) abilitiesOf(ctx context.Context, now time.Time) (*abilities, error) {
	s.mu.Lock()
	if s.abilities != nil && now.Sub(s.checkedAt) < abilitiesTTL {
		a := s.abilities
		s.mu.Unlock()
		return a, nil
	}
	s.mu.Unlock()

	type check struct {
		verb, name string
		allowed    bool
		err        error
	}
	checks := []*check{{verb: "create"}, {verb: "list"}}
	for _, r := range hostingv1.Roles {
		checks = append(checks, &check{verb: hostingv1.ApproveVerb, name: string(r)})
	}
	var wg sync.WaitGroup
	for _, c := range checks {
		wg.Go(func() {
			review, err := s.kube.core.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
				Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
					Verb: c.verb, Group: hostingv1.GroupVersion.Group, Resource: sdrResource.Resource, Name: c.name,
				}},
			}, metav1.CreateOptions{})
			if err != nil {
				c.err = err
				return
			}
			c.allowed = review.Status.Allowed
		})
	}
	wg.Wait()
	a := &abilities{}
	for _, c := range checks {
		if c.err != nil {
			return nil, c.err
		}
		switch {
		case c.verb == "create":
			a.Create = c.allowed
		case c.verb == "list":
			a.List = c.allowed
		case c.allowed:
			a.Roles = append(a.Roles, hostingv1.Role(c.name))
		}
	}
	s.mu.Lock()
	s.abilities, s.checkedAt = a, now
	s.mu.Unlock()
	return a, nil
}
