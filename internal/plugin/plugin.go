// Package plugin is the kubectl plugin "kubectl subdomain": it lets the officials see
// what waits for them and approve or reject with their own user names, lets anyone
// follow a request's timeline, and gives auditors the register. It is written for
// people who are not Kubernetes experts: every refusal of the API server is repeated
// in plain words with a hint of what to do.
package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/spf13/cobra"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/approval"
)

// errReported means the command already told the user what went wrong; only the exit
// code is left to set.
var errReported = errors.New("reported")

// NewCommand returns the "kubectl subdomain" command with its subcommands and the
// standard kubeconfig flags (--kubeconfig, --context, --as, --as-group, ...).
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	o := &options{streams: streams, flags: genericclioptions.NewConfigFlags(true).WithWarningPrinter(streams)}
	cmd := &cobra.Command{
		Use:   "kubectl-subdomain",
		Short: "Follow, approve and audit the subdomain requests of Kabupaten Kudus",
		Long: `kubectl subdomain works with SubdomainRequests (hosting.kuduskab.go.id), the requests
of the regency's units for a website under kuduskab.go.id.

The three officials decide in the order of SOP 555/963/18.03/2021:
  1. Kepala Dinas                    (role kepala-dinas)
  2. Kepala Bidang Informatika       (role kepala-bidang-informatika)
  3. Kepala Seksi TI dan Persandian  (role kepala-seksi-ti-persandian)`,
		Example: `  kubectl subdomain list --waiting-for-me
  kubectl subdomain approve dinkes
  kubectl subdomain reject dinkes --reason "Surat permohonan belum ditandatangani"
  kubectl subdomain describe dinkes
  kubectl subdomain register --output csv --since 2026-01-01 > register.csv`,
		Annotations:       map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl subdomain"},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		SilenceUsage:      true,
		SilenceErrors:     true,
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	o.flags.AddFlags(cmd.PersistentFlags())
	cmd.AddCommand(newListCommand(o), newApproveCommand(o), newRejectCommand(o), newDescribeCommand(o), newRegisterCommand(o))
	return cmd
}

// Run runs the plugin with the given arguments and returns the process's exit code:
// 0 on success, 1 when the command failed or a decision was refused.
func Run(args []string, streams genericiooptions.IOStreams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmd := NewCommand(streams)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintf(streams.ErrOut, "Error: %v\n", err)
		}
		return 1
	}
	return 0
}

// options are what every subcommand shares: the streams and the kubeconfig flags.
type options struct {
	streams genericiooptions.IOStreams
	flags   *genericclioptions.ConfigFlags
}

// session is a connection to the API server as the caller.
type session struct {
	kube kubernetes.Interface
	sdrs dynamic.ResourceInterface
}

var sdrResource = hostingv1.GroupVersion.WithResource("subdomainrequests")

func (o *options) session() (*session, error) {
	cfg, err := o.flags.ToRESTConfig()
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &session{kube: kube, sdrs: dyn.Resource(sdrResource)}, nil
}

// list returns every request, oldest first.
func (s *session) list(ctx context.Context) ([]hostingv1.SubdomainRequest, error) {
	ul, err := s.sdrs.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, explainAPIError(err, "")
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

// get returns one request.
func (s *session) get(ctx context.Context, name string) (*hostingv1.SubdomainRequest, error) {
	u, err := s.sdrs.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, explainAPIError(err, name)
	}
	var sdr hostingv1.SubdomainRequest
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &sdr); err != nil {
		return nil, fmt.Errorf("reading SubdomainRequest %s: %w", name, err)
	}
	return &sdr, nil
}

// annotate sets annotations with a JSON merge patch that touches nothing else. Each
// role writes as its own field manager, so that the API server's record of when an
// annotation was set (managedFields) is not moved by another official's decision.
func (s *session) annotate(ctx context.Context, name string, role hostingv1.Role, annotations map[string]string) error {
	patch, err := jsonMergePatch(annotations)
	if err != nil {
		return err
	}
	_, err = s.sdrs.Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "kubectl-subdomain-" + string(role)})
	return err
}

// whoAmI returns the caller's user name as the API server knows it (after --as).
func (s *session) whoAmI(ctx context.Context) (string, error) {
	r, err := s.kube.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("asking the API server who you are: %w", err)
	}
	return r.Status.UserInfo.Username, nil
}

// holds reports whether the caller holds a role: the RBAC verb "approve" on
// subdomainrequests with the role as resource name, the very check the admission
// policy makes.
func (s *session) holds(ctx context.Context, role hostingv1.Role) (bool, error) {
	r, err := s.kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: hostingv1.ApproveVerb, Group: hostingv1.GroupVersion.Group, Resource: sdrResource.Resource, Name: string(role),
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("asking the API server whether you hold the role %s: %w", role, err)
	}
	return r.Status.Allowed, nil
}

// heldRoles returns the officials' roles the caller holds, in SOP order.
func (s *session) heldRoles(ctx context.Context) ([]hostingv1.Role, error) {
	var held []hostingv1.Role
	for _, r := range hostingv1.Roles {
		ok, err := s.holds(ctx, r)
		if err != nil {
			return nil, err
		}
		if ok {
			held = append(held, r)
		}
	}
	return held, nil
}

// explainAPIError turns the API server's common answers into plain words.
func explainAPIError(err error, name string) error {
	switch {
	case apierrors.IsNotFound(err) && name != "":
		return fmt.Errorf("there is no SubdomainRequest named %q (see 'kubectl subdomain list')", name)
	case apierrors.IsNotFound(err):
		return fmt.Errorf("this cluster does not know SubdomainRequests: the platform team has not installed the operator's CRD (%w)", err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("you may not read SubdomainRequests; ask the platform team for access (%w)", err)
	}
	return err
}

// waitingForText describes status.waitingFor for people, e.g. "Kepala Dinas
// (kepala-dinas)" or "the applicant".
func waitingForText(waitingFor string) string {
	for _, r := range hostingv1.Roles {
		if waitingFor == string(r) {
			return fmt.Sprintf("%s (%s)", approval.RoleTitle(r), r)
		}
	}
	switch waitingFor {
	case "":
		return "nobody"
	case "applicant":
		return "the applicant"
	case "operator":
		return "the operator (technical staff)"
	case "platform team":
		return "the platform team"
	}
	return waitingFor
}

// performer is the title of whoever performs a step: an official's Indonesian title,
// or "applicant" and "operator" as they are.
func performer(role string) string {
	for _, r := range hostingv1.Roles {
		if role == string(r) {
			return approval.RoleTitle(r)
		}
	}
	return role
}

// orDash stands in for an empty table cell.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// fprintf writes formatted output; a failed write to a terminal is not worth an error.
func fprintf(w io.Writer, format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
