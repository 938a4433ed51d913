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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
// standard kubeconfig flags (--kubeconfig, --context, --as, --as-group, ...), without
// -n/--namespace: SubdomainRequests are cluster-scoped.
func NewCommand(streams genericiooptions.IOStreams) *cobra.Command {
	cmd, _ := newCommand(streams, os.Getenv)
	return cmd
}

func newCommand(streams genericiooptions.IOStreams, getenv func(string) string) (*cobra.Command, *options) {
	flags := genericclioptions.NewConfigFlags(true).WithWarningPrinter(streams)
	// The kind is cluster-scoped: a namespace flag would only mislead.
	flags.Namespace = nil
	o := &options{streams: streams, flags: flags, getenv: getenv}
	cmd := &cobra.Command{
		Use:   "kubectl-subdomain",
		Short: "Follow, approve and audit the subdomain requests of Kabupaten Kudus",
		Long: `kubectl subdomain works with SubdomainRequests (hosting.kuduskab.go.id), the requests
of the regency's units for a website under kuduskab.go.id.

The three officials decide in the order of SOP 555/963/18.03/2021:
  1. Kepala Dinas                    (role kepala-dinas)
  2. Kepala Bidang Informatika       (role kepala-bidang-informatika)
  3. Kepala Seksi TI dan Persandian  (role kepala-seksi-ti-persandian)

Messages are in Bahasa Indonesia with --lang id, or when the locale is Indonesian
(LC_ALL, LC_MESSAGES or LANG starting with "id", e.g. id_ID.UTF-8); in English
otherwise. The API server's own messages are shown as it sends them.`,
		Example: `  kubectl subdomain list --waiting-for-me
  kubectl subdomain approve dinkes
  kubectl subdomain reject dinkes --reason "Surat permohonan belum ditandatangani"
  kubectl subdomain describe dinkes --lang id
  kubectl subdomain list -o yaml > permohonan.yaml
  kubectl subdomain check permohonan-dinkes.yaml
  kubectl subdomain register --output csv --since 2026-01-01 > register.csv`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl subdomain"},
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			_, err := detectLanguage(o.langFlag, o.getenv)
			return err
		},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	o.flags.AddFlags(cmd.PersistentFlags())
	cmd.PersistentFlags().StringVar(&o.langFlag, "lang", "",
		"language of the messages: en or id (Bahasa Indonesia); by default the locale's (LC_ALL, LC_MESSAGES, LANG)")
	registerCompletions(cmd, o)
	cmd.AddCommand(newListCommand(o), newApproveCommand(o), newRejectCommand(o), newDescribeCommand(o),
		newRegisterCommand(o), newCheckCommand(o), newVersionCommand(o))
	return cmd, o
}

// Run runs the plugin with the given arguments and returns the process's exit code:
// 0 on success, 1 when the command failed or a decision was refused.
func Run(args []string, streams genericiooptions.IOStreams) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cmd, o := newCommand(streams, os.Getenv)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		if !errors.Is(err, errReported) {
			fprintf(streams.ErrOut, "%s\n", o.lang().t("error", err))
		}
		return 1
	}
	return 0
}

// options are what every subcommand shares: the streams, the kubeconfig flags and the
// language.
type options struct {
	streams  genericiooptions.IOStreams
	flags    *genericclioptions.ConfigFlags
	langFlag string
	getenv   func(string) string
}

// lang is the language of the messages (an invalid --lang is refused before any
// command runs; here it falls back to English).
func (o *options) lang() language {
	l, _ := detectLanguage(o.langFlag, o.getenv)
	return l
}

// session is a connection to the API server as the caller.
type session struct {
	kube kubernetes.Interface
	sdrs dynamic.ResourceInterface
	lang language
}

var sdrResource = hostingv1.GroupVersion.WithResource("subdomainrequests")

// sdrKind is the kind every SubdomainRequest the plugin prints carries.
var sdrKind = hostingv1.GroupVersion.WithKind("SubdomainRequest")

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
	return &session{kube: kube, sdrs: dyn.Resource(sdrResource), lang: o.lang()}, nil
}

// list returns every request, oldest first.
func (s *session) list(ctx context.Context) ([]hostingv1.SubdomainRequest, error) {
	typed, _, err := s.listAll(ctx)
	return typed, err
}

// listAll returns every request, oldest first, both typed and as the API server sent
// it (for -o json|yaml, which print every field, also those this plugin does not know).
func (s *session) listAll(ctx context.Context) ([]hostingv1.SubdomainRequest, []unstructured.Unstructured, error) {
	ul, err := s.sdrs.List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, s.explainAPIError(err, "")
	}
	type pair struct {
		typed hostingv1.SubdomainRequest
		raw   unstructured.Unstructured
	}
	pairs := make([]pair, 0, len(ul.Items))
	for i := range ul.Items {
		var sdr hostingv1.SubdomainRequest
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(ul.Items[i].Object, &sdr); err != nil {
			return nil, nil, fmt.Errorf("reading SubdomainRequest %s: %w", ul.Items[i].GetName(), err)
		}
		if ul.Items[i].GetKind() == "" {
			ul.Items[i].SetGroupVersionKind(sdrKind)
		}
		pairs = append(pairs, pair{typed: sdr, raw: ul.Items[i]})
	}
	sort.SliceStable(pairs, func(i, j int) bool {
		a, b := pairs[i].typed.CreationTimestamp, pairs[j].typed.CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return pairs[i].typed.Name < pairs[j].typed.Name
	})
	typed := make([]hostingv1.SubdomainRequest, len(pairs))
	raw := make([]unstructured.Unstructured, len(pairs))
	for i, p := range pairs {
		typed[i], raw[i] = p.typed, p.raw
	}
	return typed, raw, nil
}

// get returns one request.
func (s *session) get(ctx context.Context, name string) (*hostingv1.SubdomainRequest, error) {
	sdr, _, err := s.getRaw(ctx, name)
	return sdr, err
}

// getRaw returns one request, typed and as the API server sent it.
func (s *session) getRaw(ctx context.Context, name string) (*hostingv1.SubdomainRequest, *unstructured.Unstructured, error) {
	u, err := s.sdrs.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, s.explainAPIError(err, name)
	}
	var sdr hostingv1.SubdomainRequest
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &sdr); err != nil {
		return nil, nil, fmt.Errorf("reading SubdomainRequest %s: %w", name, err)
	}
	if u.GetKind() == "" {
		u.SetGroupVersionKind(sdrKind)
	}
	return &sdr, u, nil
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
func (s *session) explainAPIError(err error, name string) error {
	switch {
	case apierrors.IsNotFound(err) && name != "":
		return s.lang.errorf("err.noSuchRequest", name)
	case apierrors.IsNotFound(err):
		return s.lang.errorf("err.noCRD", err)
	case apierrors.IsForbidden(err):
		return s.lang.errorf("err.forbidden", err)
	}
	return err
}

// waitingForText describes status.waitingFor for people, e.g. "Kepala Dinas
// (kepala-dinas)" or "the applicant".
func waitingForText(l language, waitingFor string) string {
	for _, r := range hostingv1.Roles {
		if waitingFor == string(r) {
			return fmt.Sprintf("%s (%s)", approval.RoleTitle(r), r)
		}
	}
	switch waitingFor {
	case "":
		return l.t("who.nobody")
	case "applicant":
		return l.t("who.applicant")
	case "operator":
		return l.t("who.operator")
	case "platform team":
		return l.t("who.platform")
	}
	return waitingFor
}

// performer is the title of whoever performs a step: an official's Indonesian title,
// or "applicant" and "operator" (in Indonesian: pemohon, operator).
func performer(l language, role string) string {
	for _, r := range hostingv1.Roles {
		if role == string(r) {
			return approval.RoleTitle(r)
		}
	}
	return column(l, role)
}

// column is who else than an official a request waits for, or a step is performed
// by, as a table cell: applicant, operator, platform team.
func column(l language, who string) string {
	switch who {
	case "applicant":
		return l.t("col.applicant")
	case "operator":
		return l.t("col.operator")
	case "platform team":
		return l.t("col.platform")
	}
	return who
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
