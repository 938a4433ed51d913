package controllers

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// The officials and applicants of the suite: real users of the real API server,
// known by client certificates, with the groups the example bindings use.
var (
	ctx    context.Context
	cancel context.CancelFunc
	env    *testenv.Env
	admin  client.Client

	applicant      client.Client // "pemohon-dinkes", group opd:applicants
	otherApplicant client.Client // "pemohon-disdik"
	kepalaDinas    client.Client // "budi"
	kepalaDinas2   client.Client // "sari", also a Kepala Dinas (deputy)
	kepalaBidang   client.Client // "agus"
	kepalaSeksi    client.Client // "dewi"
	twoRoles       client.Client // "rina": Kepala Dinas and Kepala Bidang groups
	outsider       client.Client // "eko": an applicant without any role
	operatorSA     client.Client // the operator's own service account, even with a role bound
	applicantRole  client.Client // "hadi": an applicant who also holds kepala-dinas
	platformAdmin  client.Client // "putri": a platform administrator (ClusterRole subdomain-platform-admin)
	dnsWriter      client.Client // "joko": may write DNSEndpoints by RBAC, holds no platform role

	// suiteConfig is the operator's configuration in this suite, and what the policy
	// settings say.
	suiteConfig config.Config

	// legacyNamespace may serve hosts nobody was granted (policy-settings legacyNamespaces).
	legacyNamespace = "legacy-web"

	// shortStandard is the time standard of the Kepala Dinas step in this suite, short
	// enough for the SLA test to see a breach.
	shortStandard = 4 * time.Second
	seq           atomic.Int64
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(15 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "Controllers Suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())

	var err error
	env, err = testenv.Start(ctx)
	Expect(err).NotTo(HaveOccurred())
	admin = env.Client

	for role, group := range map[string]string{
		"subdomain-kepala-dinas":               "diskominfo:kepala-dinas",
		"subdomain-kepala-bidang-informatika":  "diskominfo:kepala-bidang-informatika",
		"subdomain-kepala-seksi-ti-persandian": "diskominfo:kepala-seksi-ti-persandian",
		"subdomain-applicant":                  "opd:applicants",
	} {
		Expect(env.BindGroup(ctx, role, group)).To(Succeed())
	}
	// The operator's service account gets the manager's role and, wrongly, an official's
	// role: the policy must refuse it all the same.
	Expect(env.ApplyFile(ctx, testenv.RepoRoot()+"/config/rbac/role.yaml")).To(Succeed())
	Expect(env.BindGroup(ctx, "manager-role", "system:serviceaccounts:subdomain-operator-system")).To(Succeed())
	Expect(env.BindGroup(ctx, "subdomain-kepala-dinas", "system:serviceaccounts:subdomain-operator-system")).To(Succeed())
	Expect(env.BindGroup(ctx, "subdomain-platform-admin", "diskominfo:platform-admins")).To(Succeed())
	Expect(env.ApplyYAML(ctx, []byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: dnsendpoint-writer}
rules:
  - apiGroups: ["externaldns.k8s.io"]
    resources: ["dnsendpoints"]
    verbs: ["get", "list", "create", "update", "patch", "delete"]
`))).To(Succeed())
	Expect(env.BindGroup(ctx, "dnsendpoint-writer", "dns-writers")).To(Succeed())
	// envtest runs no controller-manager, so the aggregated ClusterRole "edit" the
	// site's tenants get stays empty: give it the rules the aggregation controller
	// would, for the kinds a tenant uses in these tests.
	Expect(env.ApplyYAML(ctx, []byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: edit}
rules:
  - apiGroups: [""]
    resources: ["pods", "services", "configmaps", "secrets"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["apps"]
    resources: ["deployments"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
  - apiGroups: ["networking.k8s.io"]
    resources: ["ingresses"]
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
`))).To(Succeed())

	mk := func(name string, groups ...string) client.Client {
		c, _, err := env.User(name, groups...)
		Expect(err).NotTo(HaveOccurred())
		return c
	}
	applicant = mk("pemohon-dinkes", "opd:applicants")
	otherApplicant = mk("pemohon-disdik", "opd:applicants")
	kepalaDinas = mk("budi", "diskominfo:kepala-dinas")
	kepalaDinas2 = mk("sari", "diskominfo:kepala-dinas")
	kepalaBidang = mk("agus", "diskominfo:kepala-bidang-informatika")
	kepalaSeksi = mk("dewi", "diskominfo:kepala-seksi-ti-persandian")
	twoRoles = mk("rina", "diskominfo:kepala-dinas", "diskominfo:kepala-bidang-informatika")
	outsider = mk("eko", "opd:applicants")
	operatorSA = mk("system:serviceaccount:subdomain-operator-system:controller-manager",
		"system:serviceaccounts", "system:serviceaccounts:subdomain-operator-system", "system:authenticated")
	applicantRole = mk("hadi", "opd:applicants", "diskominfo:kepala-dinas")
	platformAdmin = mk("putri", "diskominfo:platform-admins")
	dnsWriter = mk("joko", "dns-writers")

	cfg := config.Default()
	cfg.TimeStandards.KepalaDinas = metav1.Duration{Duration: shortStandard}
	cfg.LegacyNamespaces = []string{legacyNamespace}
	suiteConfig = cfg
	Expect(env.ApplyPolicySettings(ctx, cfg)).To(Succeed())
	Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: legacyNamespace}})).To(Succeed())
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: testenv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", Cache: CacheOptions(cfg, env.Config),
	})
	Expect(err).NotTo(HaveOccurred())
	r := &SubdomainRequestReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("subdomain-operator"),
		Config: cfg, Provisioning: false,
	}
	Expect(r.SetupWithManager(ctx, mgr, 4)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// uniqueName gives each test its own request and subdomain.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, GinkgoParallelProcess(), seq.Add(1))
}

// newRequest is a complete, valid request as an applicant would write it.
func newRequest(name string) *hostingv1.SubdomainRequest {
	return &hostingv1.SubdomainRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: hostingv1.SubdomainRequestSpec{
			Subdomain: name,
			Applicant: hostingv1.Applicant{
				Unit: "Dinas Kesehatan", ContactName: "Siti Aminah", Position: "Kepala Subbagian Umum",
				NIP: "198001012005012001", Email: "dinkes@kuduskab.go.id", Phone: "+62291438713", Group: "opd:dinkes",
			},
			Letter:  hostingv1.Letter{Number: "555/123/20.01/2026", Date: "2026-11-20"},
			Purpose: "Informasi layanan kesehatan bagi masyarakat Kudus",
			Hosting: hostingv1.Hosting{Plan: hostingv1.PlanSmall, StarterSite: ptr.To(true)},
		},
	}
}

func get(name string) *hostingv1.SubdomainRequest {
	s := &hostingv1.SubdomainRequest{}
	Expect(admin.Get(ctx, client.ObjectKey{Name: name}, s)).To(Succeed())
	return s
}

// annotate adds annotations as the given user, the way kubectl annotate does.
func annotate(c client.Client, name string, kv ...string) error {
	s := &hostingv1.SubdomainRequest{}
	if err := c.Get(ctx, client.ObjectKey{Name: name}, s); err != nil {
		return err
	}
	base := s.DeepCopy()
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Annotations[kv[i]] = kv[i+1]
	}
	return c.Patch(ctx, s, client.MergeFrom(base))
}

func approve(c client.Client, name string, role hostingv1.Role, user string) error {
	return annotate(c, name, hostingv1.ApprovalAnnotation(role), user)
}

func reject(c client.Client, name string, role hostingv1.Role, user, reason string) error {
	return annotate(c, name, hostingv1.RejectionAnnotation(role), user, hostingv1.RejectionReasonAnnotation, reason)
}

func phaseOf(name string) func() hostingv1.Phase {
	return func() hostingv1.Phase { return get(name).Status.Phase }
}
