package controllers

import (
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/apply"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
)

// The attacks of issue 10, each beside its allowed counterpart, against the real API
// server with config/policies installed. The operator in this suite does not
// provision; where a site is needed, the operator's own service account creates
// exactly what the operator would (DesiredObjects), which is also the proof that the
// confinement lets the operator do its work.

// site is a request provisioned the way the operator does it, and its tenant: a member
// of the request's group, who has "edit" in the site namespace.
type site struct {
	request   *hostingv1.SubdomainRequest
	namespace string
	fqdn      string
	tenant    client.Client
}

func provisionAsOperator(prefix string) site {
	name := uniqueName(prefix)
	s := newRequest(name)
	s.Spec.Applicant.Group = "opd:" + name
	ExpectWithOffset(1, applicant.Create(ctx, s)).To(Succeed())
	s = get(name)
	for _, obj := range DesiredObjects(suiteConfig, s) {
		ExpectWithOffset(1, operatorSA.Create(ctx, obj)).To(Succeed(), "the operator creating %s %s", apply.KindOf(obj), obj.GetName())
	}
	grant(operatorSA, suiteConfig.FQDN(name), suiteConfig.NamespaceFor(name)+" "+name)
	tenant, _, err := env.User("tenant-"+name, "opd:"+name)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return site{request: s, namespace: suiteConfig.NamespaceFor(name), fqdn: suiteConfig.FQDN(name), tenant: tenant}
}

// grant writes a grant entry as the operator does (a merge patch of its shard).
func grant(c client.Client, host, value string) {
	ref := suiteConfig.GrantedHosts
	patch, err := json.Marshal(map[string]any{"data": map[string]string{host: value}})
	ExpectWithOffset(2, err).NotTo(HaveOccurred())
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: grants.Shard(ref.Name, host)}}
	ExpectWithOffset(2, c.Patch(ctx, cm, client.RawPatch(client.Merge.Type(), patch))).To(Succeed())
}

func ingress(namespace, name string, hosts ...string) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	for _, h := range hosts {
		ing.Spec.Rules = append(ing.Spec.Rules, networkingv1.IngressRule{Host: h, IngressRuleValue: networkingv1.IngressRuleValue{
			HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptr.To(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}}}}})
	}
	return ing
}

func dnsEndpoint(namespace, name, host string, targets ...string) *externaldnsv1.DNSEndpoint {
	return &externaldnsv1.DNSEndpoint{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: externaldnsv1.DNSEndpointSpec{Endpoints: []*endpoint.Endpoint{endpoint.NewEndpoint(host, endpoint.RecordTypeA, targets...)}}}
}

func patchMeta(c client.Client, name string, edit func(*hostingv1.SubdomainRequest)) error {
	s := get(name)
	base := s.DeepCopy()
	edit(s)
	return c.Patch(ctx, s, client.MergeFrom(base))
}

func stillThere(name string) {
	ExpectWithOffset(1, admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{})).To(Succeed())
}

var _ = Describe("Deleting a request", func() {
	It("is refused to another unit's applicant, who holds delete by RBAC, and to an official", func() {
		name := filed("del-other")
		refused(otherApplicant.Delete(ctx, get(name)),
			"only the applicant who filed this request (pemohon-dinkes) or a platform administrator can delete it; pemohon-disdik cannot")
		// The officials' roles have no delete at all.
		refused(kepalaDinas.Delete(ctx, get(name)), `User "budi" cannot delete resource "subdomainrequests"`)
		stillThere(name)
	})
	It("is allowed to the applicant who filed it", func() {
		name := filed("del-own")
		Expect(applicant.Delete(ctx, get(name))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{}))
		}).Should(BeTrue())
	})
	It("is allowed to a platform administrator", func() {
		name := filed("del-admin")
		Expect(platformAdmin.Delete(ctx, get(name))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(admin.Get(ctx, client.ObjectKey{Name: name}, &hostingv1.SubdomainRequest{}))
		}).Should(BeTrue())
	})
})

var _ = Describe("A request's metadata", func() {
	It("keeps the operator's finalizer to the operator", func() {
		name := filed("fin")
		refused(patchMeta(applicant, name, func(s *hostingv1.SubdomainRequest) { s.Finalizers = append(s.Finalizers, hostingv1.Finalizer) }),
			"only the subdomain operator adds or removes the finalizer hosting.kuduskab.go.id/finalizer")
		// The operator adds it (allowed), and nobody else removes it.
		Expect(patchMeta(operatorSA, name, func(s *hostingv1.SubdomainRequest) { s.Finalizers = append(s.Finalizers, hostingv1.Finalizer) })).To(Succeed())
		for _, c := range []client.Client{applicant, outsider, kepalaDinas, platformAdmin} {
			refused(patchMeta(c, name, func(s *hostingv1.SubdomainRequest) { s.Finalizers = nil }),
				"only the subdomain operator adds or removes the finalizer hosting.kuduskab.go.id/finalizer")
		}
		Expect(get(name).Finalizers).To(ContainElement(hostingv1.Finalizer))
		// A new request cannot bring it along either.
		s := newRequest(uniqueName("fin-create"))
		s.Finalizers = []string{hostingv1.Finalizer}
		refused(applicant.Create(ctx, s), "only the subdomain operator adds or removes the finalizer")
		// The operator lets go of it.
		Expect(patchMeta(operatorSA, name, func(s *hostingv1.SubdomainRequest) { s.Finalizers = nil })).To(Succeed())
	})

	It("lets only the requester, the officials for their decisions, the operator and administrators write it", func() {
		name := filed("meta")
		refused(annotate(outsider, name, "catatan", "diambil alih"),
			"only the applicant who filed this request (pemohon-dinkes), the officials (for their own decisions), the subdomain operator and platform administrators can change its labels, annotations or finalizers; eko cannot change catatan")
		refused(patchMeta(otherApplicant, name, func(s *hostingv1.SubdomainRequest) { s.Labels = map[string]string{"tim": "lain"} }),
			"pemohon-disdik cannot change tim")
		refused(annotate(kepalaDinas, name, "catatan", "oleh pejabat"), "budi cannot change catatan")
		// Allowed: the requester's own note, an administrator's label, an official's decision.
		Expect(annotate(applicant, name, "catatan", "dari formulir")).To(Succeed())
		Expect(patchMeta(platformAdmin, name, func(s *hostingv1.SubdomainRequest) { s.Labels = map[string]string{"tahun": "2026"} })).To(Succeed())
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
	})

	It("refuses lookalike keys of this product, listing the valid ones", func() {
		name := filed("lookalike")
		refused(annotate(kepalaDinas, name, "approval.hosting.kuduskab.go.id/kepala-dinass", "budi"),
			"annotation approval.hosting.kuduskab.go.id/kepala-dinass is not one this product defines (a typing mistake?); the annotations under hosting.kuduskab.go.id are: approval.hosting.kuduskab.go.id/kepala-dinas, approval.hosting.kuduskab.go.id/kepala-bidang-informatika")
		refused(annotate(applicant, name, "hosting.kuduskab.go.id/requested-by-unit", "dinkes"),
			"annotation hosting.kuduskab.go.id/requested-by-unit is not one this product defines")
		refused(patchMeta(applicant, name, func(s *hostingv1.SubdomainRequest) {
			s.Labels = map[string]string{hostingv1.SubdomainLabel: "dinkes"}
		}), "label hosting.kuduskab.go.id/subdomain is not one this product defines: a SubdomainRequest carries no labels under hosting.kuduskab.go.id")
		s := newRequest(uniqueName("lookalike-create"))
		s.Annotations = map[string]string{"hosting.kuduskab.go.id/unit": "Dinas Kesehatan"}
		refused(applicant.Create(ctx, s), "annotation hosting.kuduskab.go.id/unit is not one this product defines")
		// The real key, by the right official, goes through.
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
	})

	It("keeps the status to the operator", func() {
		name := filed("status")
		s := get(name)
		base := s.DeepCopy()
		s.Status.Phase = hostingv1.PhaseReturnedToApplicant
		err := applicant.Status().Patch(ctx, s, client.MergeFrom(base))
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), fmt.Sprint(err))
	})
})

var _ = Describe("Renaming a request", func() {
	rename := func(c client.Client, name, to string) error {
		return patchMeta(c, name, func(s *hostingv1.SubdomainRequest) { s.Spec.Subdomain = to })
	}
	It("is allowed before any approval", func() {
		name := filed("rename-early")
		Expect(rename(applicant, name, uniqueName("rename-early-new"))).To(Succeed())
	})
	It("is refused after an approval unless the request was returned", func() {
		name := filed("rename-kd")
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		Eventually(phaseOf(name)).Should(Equal(hostingv1.PhasePendingKepalaBidang))
		refused(rename(applicant, name, uniqueName("rename-kd-new")),
			"spec.subdomain can change after the first approval only while the request is returned to the applicant because the name is taken (phase ReturnedToApplicant); it is now PendingKepalaBidang")
	})
	It("is refused once the name is provisioned, whatever the phase says", func() {
		name := filed("rename-claimed")
		Expect(approve(kepalaDinas, name, kd, "budi")).To(Succeed())
		// A status that claims a Namespace and, forged, says returned.
		s := get(name)
		base := s.DeepCopy()
		s.Status.Namespace = suiteConfig.NamespaceFor(name)
		s.Status.Phase = hostingv1.PhaseReturnedToApplicant
		Expect(admin.Status().Patch(ctx, s, client.MergeFrom(base))).To(Succeed())
		refused(rename(applicant, name, uniqueName("rename-claimed-new")),
			"the name "+name+" is already provisioned (Namespace web-"+name+"); a provisioned request cannot be renamed: file a new request for the new name")
	})
})

var _ = Describe("The applicant's group", func() {
	It("must follow the platform's group naming", func() {
		s := newRequest(uniqueName("group"))
		s.Spec.Applicant.Group = "dinkes-editors"
		refused(applicant.Create(ctx, s),
			"spec.applicant.group dinkes-editors does not follow the platform group naming ^opd:[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (e.g. opd:dinkes)")
		s.Spec.Applicant.Group = "opd:dinkes"
		Expect(applicant.Create(ctx, s)).To(Succeed())
		refused(patchMeta(applicant, s.Name, func(s *hostingv1.SubdomainRequest) { s.Spec.Applicant.Group = "opd:Dinkes" }),
			"does not follow the platform group naming")
	})
})

var _ = Describe("Hosts under the base domain", func() {
	var a, b site
	BeforeEach(func() {
		a = provisionAsOperator("host-a")
		b = provisionAsOperator("host-b")
	})

	It("a tenant serves its own host", func() {
		Expect(a.tenant.Create(ctx, ingress(a.namespace, "blog", a.fqdn))).To(Succeed())
	})

	DescribeTable("a tenant cannot serve what it was not granted",
		func(edit func(a, b site) *networkingv1.Ingress, message func(a, b site) string) {
			refused(a.tenant.Create(ctx, edit(a, b)), message(a, b))
		},
		Entry("the apex",
			func(a, _ site) *networkingv1.Ingress { return ingress(a.namespace, "apex", "kuduskab.go.id") },
			func(a, _ site) string {
				return "the apex kuduskab.go.id cannot be served from namespace " + a.namespace + ": only the platform namespaces in policy-settings legacyNamespaces may serve it"
			}),
		Entry("a wildcard",
			func(a, _ site) *networkingv1.Ingress { return ingress(a.namespace, "wild", "*.kuduskab.go.id") },
			func(a, _ site) string {
				return "the wildcard *.kuduskab.go.id would serve names under kuduskab.go.id that nobody granted to namespace " + a.namespace
			}),
		Entry("a reserved name",
			func(a, _ site) *networkingv1.Ingress { return ingress(a.namespace, "www", "www.kuduskab.go.id") },
			func(a, _ site) string {
				return "host www.kuduskab.go.id is reserved by the platform and cannot be served from namespace " + a.namespace
			}),
		Entry("a name of two labels under its own",
			func(a, _ site) *networkingv1.Ingress { return ingress(a.namespace, "deep", "x."+a.fqdn) },
			func(a, _ site) string {
				return "host x." + a.fqdn + " has more than one label under kuduskab.go.id; a site gets exactly one name"
			}),
		Entry("another site's granted host",
			func(a, b site) *networkingv1.Ingress { return ingress(a.namespace, "steal", b.fqdn) },
			func(a, b site) string { return "an Ingress in namespace " + a.namespace + " cannot serve it" }),
		Entry("a pending name nobody was granted, with the pending request's label (squatting)",
			func(a, _ site) *networkingv1.Ingress {
				ing := ingress(a.namespace, "squat", "dinsos.kuduskab.go.id")
				ing.Labels = map[string]string{hostingv1.RequestLabel: "dinsos", hostingv1.SubdomainLabel: "dinsos"}
				return ing
			},
			func(a, _ site) string {
				return "host dinsos.kuduskab.go.id is not granted to namespace " + a.namespace + " (it may serve only " + a.fqdn + "); an Ingress in namespace " + a.namespace + " cannot serve it"
			}),
		Entry("a catch-all defaultBackend",
			func(a, _ site) *networkingv1.Ingress {
				ing := ingress(a.namespace, "catchall")
				ing.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}
				return ing
			},
			func(a, _ site) string {
				return "an Ingress in site namespace " + a.namespace + " must name its host: a defaultBackend or a rule without host would catch every host"
			}),
		Entry("a rule without host",
			func(a, _ site) *networkingv1.Ingress { return ingress(a.namespace, "nohost", "") },
			func(a, _ site) string { return "an Ingress in site namespace " + a.namespace + " must name its host" }),
		Entry("a granted host added through ingress-nginx's server-alias annotation",
			func(a, b site) *networkingv1.Ingress {
				ing := ingress(a.namespace, "alias", a.fqdn)
				ing.Annotations = map[string]string{"nginx.ingress.kubernetes.io/server-alias": "www.example.org, " + b.fqdn}
				return ing
			},
			func(a, b site) string { return "an Ingress in namespace " + a.namespace + " cannot serve it" }),
	)

	It("a legacy namespace serves a host nobody was granted, never a granted one; other namespaces neither", func() {
		legacy := uniqueName("warisan") + ".kuduskab.go.id"
		Expect(admin.Create(ctx, ingress(legacyNamespace, uniqueName("legacy"), legacy))).To(Succeed())
		refused(admin.Create(ctx, ingress(legacyNamespace, uniqueName("legacy-steal"), b.fqdn)),
			"host "+b.fqdn+" is granted to SubdomainRequest "+b.request.Name+" (namespace "+b.namespace+"); an Ingress in namespace "+legacyNamespace+" cannot serve it")
		other := uniqueName("lain")
		Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}})).To(Succeed())
		refused(admin.Create(ctx, ingress(other, "old", legacy)),
			"host "+legacy+" is not granted to namespace "+other+" (not a site namespace, and not in policy-settings legacyNamespaces)")
		// Hosts outside the base domain are not this product's business.
		Expect(admin.Create(ctx, ingress(other, "elsewhere", "portal.example.org"))).To(Succeed())
	})

	It("a namespace named like a site, without the operator's label, is not a site namespace", func() {
		// A namespace named web-<b> cannot exist twice; one named after a pending name
		// without the operator's label is not a site namespace.
		fake := suiteConfig.NamespacePrefix + uniqueName("palsu")
		Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fake}})).To(Succeed())
		refused(admin.Create(ctx, ingress(fake, "web", fake[len(suiteConfig.NamespacePrefix):]+".kuduskab.go.id")),
			"(not a site namespace, and not in policy-settings legacyNamespaces)")
	})
})

var _ = Describe("DNSEndpoints under the base domain", func() {
	var a site
	BeforeEach(func() { a = provisionAsOperator("dns-a") })

	It("are published only by the operator and platform administrators", func() {
		other := uniqueName("dns-lain")
		Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}})).To(Succeed())
		refused(dnsWriter.Create(ctx, dnsEndpoint(other, "rogue", "rogue.kuduskab.go.id", "192.0.2.66")),
			"only the subdomain operator and platform administrators publish names under kuduskab.go.id; joko cannot publish rogue.kuduskab.go.id")
		refused(dnsWriter.Create(ctx, dnsEndpoint(other, "apex", "kuduskab.go.id", "192.0.2.66")),
			"joko cannot publish kuduskab.go.id")
		// Other domains are not this product's business; the platform's own records are
		// the administrators'.
		Expect(dnsWriter.Create(ctx, dnsEndpoint(other, "elsewhere", "portal.example.org", "192.0.2.66"))).To(Succeed())
		Expect(platformAdmin.Create(ctx, dnsEndpoint(other, "apex", "kuduskab.go.id", "192.0.2.1"))).To(Succeed())
	})

	It("the operator publishes only the site's own name, pointing at the ingress", func() {
		refused(operatorSA.Create(ctx, dnsEndpoint(a.namespace, "apex", "kuduskab.go.id", "203.0.113.10")),
			"names kuduskab.go.id, which is not granted to namespace "+a.namespace+" (it may publish only "+a.fqdn+")")
		refused(operatorSA.Create(ctx, dnsEndpoint(a.namespace, "wild", "*.kuduskab.go.id", "203.0.113.10")),
			"names *.kuduskab.go.id, which is not granted to namespace "+a.namespace)
		refused(operatorSA.Create(ctx, dnsEndpoint(a.namespace, "other", "dinsos.kuduskab.go.id", "203.0.113.10")),
			"names dinsos.kuduskab.go.id, which is not granted to namespace "+a.namespace)
		refused(operatorSA.Create(ctx, dnsEndpoint(a.namespace, "elsewhere", a.fqdn, "198.51.100.1")),
			"a site record may only be an A or CNAME record pointing at the platform ingress (203.0.113.10)")
		// Its own record, as provisioned, is there.
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: a.namespace, Name: SiteName}, &externaldnsv1.DNSEndpoint{})).To(Succeed())
	})
})

var _ = Describe("Pod Security in a site namespace", func() {
	It("refuses a privileged pod and admits the starter site's", func() {
		a := provisionAsOperator("psa")
		bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: a.namespace, Name: "root"},
			Spec: corev1.PodSpec{HostNetwork: true, HostPID: true,
				Containers: []corev1.Container{{Name: "sh", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
					VolumeMounts: []corev1.VolumeMount{{Name: "root", MountPath: "/host"}}}},
				Volumes: []corev1.Volume{{Name: "root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}}}}
		refused(a.tenant.Create(ctx, bad), `violates PodSecurity "restricted:latest"`)

		// envtest runs no controllers: the Deployment's pod, as its ReplicaSet would make it.
		d := &appsv1.Deployment{}
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: a.namespace, Name: SiteName}, d)).To(Succeed())
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: a.namespace, Name: "web-starter", Labels: d.Spec.Template.Labels},
			Spec: d.Spec.Template.Spec}
		Expect(a.tenant.Create(ctx, pod)).To(Succeed())
		ns := &corev1.Namespace{}
		Expect(admin.Get(ctx, client.ObjectKey{Name: a.namespace}, ns)).To(Succeed())
		Expect(ns.Labels).To(HaveKeyWithValue(hostingv1.PodSecurityEnforceLabel, "restricted"))
	})
})

var _ = Describe("The operator's own identity", func() {
	It("is confined to what a site is made of", func() {
		a := provisionAsOperator("confined")
		other := uniqueName("bukan-situs")
		Expect(admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}})).To(Succeed())

		refused(operatorSA.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "site-editors"},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
			Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "opd:dinkes"}}}),
			"the subdomain operator may write only inside site namespaces (web-<subdomain>, labelled hosting.kuduskab.go.id/subdomain) and its own grant ConfigMaps; rolebindings kube-system/site-editors is outside them")
		deployment := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "web"},
			Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "x", Image: "busybox"}}}}}}
		refused(operatorSA.Create(ctx, deployment), "deployments kube-system/web is outside them")
		refused(operatorSA.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}}),
			"the subdomain operator may only manage Namespaces named web-<subdomain> and labelled hosting.kuduskab.go.id/subdomain=<subdomain>; Namespace "+other+" is not one")
		refused(operatorSA.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: a.namespace, Name: "everyone"},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
			Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "system:authenticated"}}}),
			"the subdomain operator may only bind the ClusterRole edit to the site group named on Namespace "+a.namespace+" (opd:"+a.request.Name)
		refused(operatorSA.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "x"}}),
			"configmaps kube-system/x is outside them")
		// Kinds a site is not made of are refused by RBAC already.
		refused(operatorSA.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: a.namespace, Name: "x"}}),
			`cannot create resource "secrets"`)
		noPSA := suiteConfig.NamespacePrefix + uniqueName("tanpa-psa")
		refused(operatorSA.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: noPSA,
			Labels: map[string]string{hostingv1.SubdomainLabel: noPSA[len(suiteConfig.NamespacePrefix):]}}}),
			"a site Namespace must enforce the Pod Security level restricted (label pod-security.kubernetes.io/enforce); Namespace "+noPSA+" does not")
		settings := &corev1.ConfigMap{}
		Expect(admin.Get(ctx, client.ObjectKey{Namespace: suiteConfig.GrantedHosts.Namespace, Name: "policy-settings"}, settings)).To(Succeed())
		settings.Data["legacyNamespaces"] = "kube-system"
		refused(operatorSA.Update(ctx, settings), "configmaps subdomain-operator-system/policy-settings is outside them")

		// Allowed: its own grant map, and deleting a site namespace it provisioned.
		grant(operatorSA, a.fqdn, a.namespace+" "+a.request.Name)
		Expect(operatorSA.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: a.namespace}})).To(Succeed())
	})

	It("writes a site's HTTPRoute, ListenerSet and Certificate (routing: gateway) only in site namespaces", func() {
		a := provisionAsOperator("confined-gw")
		// Hosts outside the base domain, so that only the confinement can refuse.
		refused(operatorSA.Create(ctx, listenerSet("kube-system", "web", "portal.example.org")),
			"the subdomain operator may write only inside site namespaces (web-<subdomain>, labelled hosting.kuduskab.go.id/subdomain) and its own grant ConfigMaps; listenersets kube-system/web is outside them")
		refused(operatorSA.Create(ctx, certificate("kube-system", "web-tls", "portal.example.org")),
			"the subdomain operator may write only inside site namespaces (web-<subdomain>, labelled hosting.kuduskab.go.id/subdomain) and its own grant ConfigMaps; certificates kube-system/web-tls is outside them")
		refused(operatorSA.Create(ctx, httpRoute("kube-system", "web", "portal.example.org")),
			"the subdomain operator may write only inside site namespaces (web-<subdomain>, labelled hosting.kuduskab.go.id/subdomain) and its own grant ConfigMaps; httproutes kube-system/web is outside them")
		// Allowed: the same kinds in the site namespace, for the site's host, and deleting
		// them (other names than the site's own, which provisionAsOperator may have made).
		cert, ls, route := certificate(a.namespace, "web-tls-2", a.fqdn), listenerSet(a.namespace, "web-2", a.fqdn), httpRoute(a.namespace, "web-2", a.fqdn)
		for _, obj := range []client.Object{cert, ls, route} {
			Expect(operatorSA.Create(ctx, obj)).To(Succeed())
		}
		for _, obj := range []client.Object{route, ls, cert} {
			Expect(operatorSA.Delete(ctx, obj)).To(Succeed())
		}
	})
})
