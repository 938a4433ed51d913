// Package provisioning runs the reconciler with provisioning on against the real API
// server (envtest) with config/policies installed, as the operator's own confined
// identity, without DNS verification or notifications: step 5 of the SOP, drift,
// release and deletion give feedback in seconds rather than through the end-to-end
// suite. The platform routes through the Gateway API with TLS (the default routing,
// plus a ClusterIssuer). envtest runs no kubelet, Deployment controller, Gateway
// controller or cert-manager: a stand-in (internal/harness.StandIn) writes the status
// they would, so that sites become Ready; the readiness specs hold it back.
package provisioning

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/controllers"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

var (
	ctx    context.Context
	cancel context.CancelFunc
	env    *testenv.Env
	admin  client.Client
	cfg    config.Config
	users  = map[string]client.Client{}
	// standIn writes the status of the controllers envtest does not run.
	standIn *harness.StandIn
	seq     atomic.Int64
)

// provisioningStandard is the provisioning step's time standard in this suite.
const provisioningStandard = 8 * time.Second

func TestProvisioning(t *testing.T) {
	RegisterFailHandler(Fail)
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	RunSpecs(t, "Provisioning Suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	env, err = testenv.Start(ctx)
	Expect(err).NotTo(HaveOccurred())
	admin = env.Client
	Expect(env.ApplyFile(ctx, testenv.RepoRoot()+"/config/officials/example-bindings.yaml")).To(Succeed())
	Expect(env.ApplyFile(ctx, testenv.RepoRoot()+"/config/rbac/role.yaml")).To(Succeed())
	// The shared Gateway of the sample, which the API server validates against the
	// Gateway API's CRD.
	Expect(env.ApplyFile(ctx, testenv.RepoRoot()+"/config/samples/gateway.yaml")).To(Succeed())
	Expect(env.BindGroup(ctx, "manager-role", "system:serviceaccounts:subdomain-operator-system")).To(Succeed())
	people := testenv.People(testenv.OperatorUser)
	for _, name := range []string{"pemohon-dinkes", "budi", "agus", "dewi"} {
		users[name], _, err = env.User(name, people[name]...)
		Expect(err).NotTo(HaveOccurred())
	}

	cfg = config.Default()
	cfg.ClusterIssuer = "kudus-ca"
	// Short, so that a site held back from serving breaches it within a spec.
	cfg.TimeStandards.Provisioning = metav1.Duration{Duration: provisioningStandard}
	// The operator as itself: its service account, confined by the admission policies.
	_, operatorConfig, err := env.User(testenv.OperatorUser, people[testenv.OperatorUser]...)
	Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(operatorConfig, ctrl.Options{
		Scheme: testenv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", Cache: controllers.CacheOptions(cfg, operatorConfig),
	})
	Expect(err).NotTo(HaveOccurred())
	r := &controllers.SubdomainRequestReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Recorder: mgr.GetEventRecorder("subdomain-operator"),
		Config: cfg, Provisioning: true,
	}
	Expect(r.SetupWithManager(ctx, mgr, 4)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	standIn = &harness.StandIn{Client: admin, NamespacePrefix: cfg.NamespacePrefix, Address: "203.0.113.10"}
	go standIn.Run(ctx, 200*time.Millisecond)
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// file has the applicant file a request and the three officials approve it, each as
// themselves.
func file(prefix string, policy hostingv1.DeletionPolicy) *hostingv1.SubdomainRequest {
	name := fmt.Sprintf("%s-%d", prefix, seq.Add(1))
	s := &hostingv1.SubdomainRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: hostingv1.SubdomainRequestSpec{
			Subdomain:      name,
			Applicant:      hostingv1.Applicant{Unit: "Dinas Uji", ContactName: "Penguji", Email: name + "@kuduskab.go.id", Group: "opd:" + name},
			Letter:         hostingv1.Letter{Number: "555/1/2026", Date: "2026-11-28"},
			Purpose:        "Pengujian",
			DeletionPolicy: policy,
		},
	}
	ExpectWithOffset(1, users["pemohon-dinkes"].Create(ctx, s)).To(Succeed())
	for _, a := range []struct{ user, role string }{{"budi", "kepala-dinas"}, {"agus", "kepala-bidang-informatika"}, {"dewi", "kepala-seksi-ti-persandian"}} {
		EventuallyWithOffset(1, func() error {
			cur := &hostingv1.SubdomainRequest{}
			if err := users[a.user].Get(ctx, client.ObjectKey{Name: name}, cur); err != nil {
				return err
			}
			base := cur.DeepCopy()
			cur.Annotations[hostingv1.ApprovalAnnotationPrefix+a.role] = a.user
			return users[a.user].Patch(ctx, cur, client.MergeFrom(base))
		}).Should(Succeed())
	}
	return s
}

func get(name string) *hostingv1.SubdomainRequest {
	s := &hostingv1.SubdomainRequest{}
	ExpectWithOffset(1, admin.Get(ctx, client.ObjectKey{Name: name}, s)).To(Succeed())
	return s
}

func phaseOf(name string) func() hostingv1.Phase {
	return func() hostingv1.Phase {
		s := &hostingv1.SubdomainRequest{}
		if err := admin.Get(ctx, client.ObjectKey{Name: name}, s); err != nil {
			return hostingv1.Phase(err.Error())
		}
		return s.Status.Phase
	}
}

func metav1ObjectMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name}
}
