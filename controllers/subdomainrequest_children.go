package controllers

import (
	"fmt"
	"html"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

// Names of the objects provisioned in a site's Namespace.
const (
	SiteName          = "web" // Deployment, Service, Ingress and DNSEndpoint
	QuotaName         = "plan"
	LimitRangeName    = "defaults"
	NetworkPolicyName = "allow-ingress-and-namespace"
	RoleBindingName   = "site-editors"
	StarterConfigMap  = "starter-site"
	// StarterSiteAnnotation marks the starter site objects; the applicant takes one
	// over by removing its hosting.kuduskab.go.id/request label.
	StarterSiteAnnotation = "hosting.kuduskab.go.id/starter-site"
	CertManagerIssuer     = "cert-manager.io/cluster-issuer"
)

// ownedKinds are the kinds provisioned inside a site's Namespace, watched so that
// drift is put back.
func ownedKinds() []client.Object {
	return []client.Object{&corev1.ResourceQuota{}, &corev1.LimitRange{}, &networkingv1.NetworkPolicy{},
		&rbacv1.RoleBinding{}, &corev1.ConfigMap{}, &appsv1.Deployment{}, &corev1.Service{},
		&networkingv1.Ingress{}, &externaldnsv1.DNSEndpoint{}}
}

func labelsFor(sdr *hostingv1.SubdomainRequest) map[string]string {
	return map[string]string{
		hostingv1.SubdomainLabel: sdr.Spec.Subdomain,
		hostingv1.RequestLabel:   sdr.Name,
		hostingv1.ManagedByLabel: hostingv1.ManagedByValue,
	}
}

func objectMeta(sdr *hostingv1.SubdomainRequest, namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: name, Namespace: namespace, Labels: labelsFor(sdr),
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: hostingv1.GroupVersion.String(), Kind: "SubdomainRequest", Name: sdr.Name, UID: sdr.UID,
			Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
		}},
	}
}

func desiredNamespace(cfg config.Config, sdr *hostingv1.SubdomainRequest) *corev1.Namespace {
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: objectMeta(sdr, "", cfg.NamespaceFor(sdr.Spec.Subdomain))}
	// The subdomain label is the grant the host policies read (only this Namespace,
	// named prefix+label, may serve the name); the group annotation is the only
	// subject the operator may bind to "edit" here (operator-confinement policy).
	ns.Labels[hostingv1.PodSecurityEnforceLabel] = cfg.PodSecurity
	ns.Labels["pod-security.kubernetes.io/enforce-version"] = "latest"
	ns.Labels["pod-security.kubernetes.io/warn"] = cfg.PodSecurity
	ns.Annotations = map[string]string{
		hostingv1.UnitAnnotation:  sdr.Spec.Applicant.Unit,
		hostingv1.GroupAnnotation: sdr.Spec.Applicant.Group,
		hostingv1.GrantAnnotation: cfg.GrantedHosts.Namespace + "/" + GrantShard(cfg.GrantedHosts.Name, cfg.FQDN(sdr.Spec.Subdomain)),
	}
	return ns
}

// desiredChildren are the objects inside the site's Namespace, in creation order.
func desiredChildren(cfg config.Config, sdr *hostingv1.SubdomainRequest) []client.Object {
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	plan := cfg.Plans[sdr.Spec.Hosting.Plan]
	if sdr.Spec.Hosting.Plan == "" {
		plan = cfg.Plans[hostingv1.PlanSmall]
	}
	out := []client.Object{
		&corev1.ResourceQuota{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ResourceQuota"},
			ObjectMeta: objectMeta(sdr, ns, QuotaName),
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
				corev1.ResourceRequestsCPU:     canonical(plan.CPU),
				corev1.ResourceLimitsCPU:       canonical(plan.CPU),
				corev1.ResourceRequestsMemory:  canonical(plan.Memory),
				corev1.ResourceLimitsMemory:    canonical(plan.Memory),
				corev1.ResourceRequestsStorage: canonical(plan.Storage),
				corev1.ResourcePods:            *resource.NewQuantity(plan.Pods, resource.DecimalSI),
			}}},
		&corev1.LimitRange{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "LimitRange"},
			ObjectMeta: objectMeta(sdr, ns, LimitRangeName),
			Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
				Type:           corev1.LimitTypeContainer,
				Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
				DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			}}}},
		&networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: objectMeta(sdr, ns, NetworkPolicyName),
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
					{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": cfg.IngressNamespace}}},
					{PodSelector: &metav1.LabelSelector{}},
				}}},
			}},
		&rbacv1.RoleBinding{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
			ObjectMeta: objectMeta(sdr, ns, RoleBindingName),
			RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
			Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: sdr.Spec.Applicant.Group}}},
	}
	if sdr.Spec.Hosting.StarterSiteEnabled() {
		out = append(out, starterConfigMap(cfg, sdr, ns), starterDeployment(cfg, sdr, ns))
	}
	out = append(out, desiredService(sdr, ns), desiredIngress(cfg, sdr, ns), desiredDNSEndpoint(cfg, sdr, ns))
	return out
}

func canonical(q resource.Quantity) resource.Quantity { return resource.MustParse(q.String()) }

func siteLabels() map[string]string { return map[string]string{"app.kubernetes.io/name": SiteName} }

func starterConfigMap(cfg config.Config, sdr *hostingv1.SubdomainRequest, ns string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: objectMeta(sdr, ns, StarterConfigMap)}
	cm.Annotations = map[string]string{StarterSiteAnnotation: "true"}
	unit := html.EscapeString(sdr.Spec.Applicant.Unit)
	fqdn := html.EscapeString(cfg.FQDN(sdr.Spec.Subdomain))
	cm.Data = map[string]string{"index.html": fmt.Sprintf(`<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>%[1]s</title></head>
<body>
<h1>%[1]s</h1>
<p>Situs web %[2]s sedang disiapkan.</p>
<p>Subdomain ini disediakan oleh Dinas Komunikasi dan Informatika Kabupaten Kudus.</p>
</body>
</html>
`, unit, fqdn)}
	return cm
}

func starterDeployment(cfg config.Config, sdr *hostingv1.SubdomainRequest, ns string) *appsv1.Deployment {
	d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: objectMeta(sdr, ns, SiteName)}
	d.Annotations = map[string]string{StarterSiteAnnotation: "true"}
	d.Spec = appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](1),
		Selector: &metav1.LabelSelector{MatchLabels: siteLabels()},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: siteLabels()},
			// Runs under Pod Security "restricted", which the site namespace enforces.
			Spec: corev1.PodSpec{
				AutomountServiceAccountToken: ptr.To(false),
				SecurityContext: &corev1.PodSecurityContext{
					RunAsNonRoot:   ptr.To(true),
					SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
				},
				Containers: []corev1.Container{{
					Name:  "web",
					Image: cfg.StarterImage,
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
					SecurityContext: &corev1.SecurityContext{
						RunAsNonRoot:             ptr.To(true),
						AllowPrivilegeEscalation: ptr.To(false),
						Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					VolumeMounts: []corev1.VolumeMount{{Name: "content", MountPath: "/usr/share/nginx/html", ReadOnly: true}},
				}},
				Volumes: []corev1.Volume{{Name: "content", VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: StarterConfigMap}}}}},
			},
		},
	}
	return d
}

func desiredService(sdr *hostingv1.SubdomainRequest, ns string) *corev1.Service {
	return &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: objectMeta(sdr, ns, SiteName),
		Spec: corev1.ServiceSpec{
			Selector: siteLabels(),
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		}}
}

func desiredIngress(cfg config.Config, sdr *hostingv1.SubdomainRequest, ns string) *networkingv1.Ingress {
	fqdn := cfg.FQDN(sdr.Spec.Subdomain)
	ing := &networkingv1.Ingress{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "Ingress"}, ObjectMeta: objectMeta(sdr, ns, SiteName)}
	ing.Spec = networkingv1.IngressSpec{
		Rules: []networkingv1.IngressRule{{Host: fqdn, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptr.To(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: SiteName, Port: networkingv1.ServiceBackendPort{Name: "http"}}}}},
		}}}},
	}
	if cfg.IngressClassName != "" {
		ing.Spec.IngressClassName = ptr.To(cfg.IngressClassName)
	}
	if cfg.ClusterIssuer != "" {
		ing.Annotations = map[string]string{CertManagerIssuer: cfg.ClusterIssuer}
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{fqdn}, SecretName: SiteName + "-tls"}}
	}
	return ing
}

func desiredDNSEndpoint(cfg config.Config, sdr *hostingv1.SubdomainRequest, ns string) *externaldnsv1.DNSEndpoint {
	fqdn := cfg.FQDN(sdr.Spec.Subdomain)
	ep := &endpoint.Endpoint{DNSName: fqdn, RecordTTL: endpoint.TTL(cfg.RecordTTL)}
	if cfg.IngressTarget.CNAME != "" {
		ep.RecordType, ep.Targets = endpoint.RecordTypeCNAME, endpoint.Targets{cfg.IngressTarget.CNAME}
	} else {
		ep.RecordType, ep.Targets = endpoint.RecordTypeA, endpoint.Targets(append([]string(nil), cfg.IngressTarget.IPs...))
	}
	return &externaldnsv1.DNSEndpoint{TypeMeta: metav1.TypeMeta{APIVersion: "externaldns.k8s.io/v1alpha1", Kind: "DNSEndpoint"},
		ObjectMeta: objectMeta(sdr, ns, SiteName),
		Spec:       externaldnsv1.DNSEndpointSpec{Endpoints: []*endpoint.Endpoint{ep}}}
}

func siteURL(cfg config.Config, sdr *hostingv1.SubdomainRequest) string {
	if cfg.ClusterIssuer != "" {
		return "https://" + cfg.FQDN(sdr.Spec.Subdomain)
	}
	return "http://" + cfg.FQDN(sdr.Spec.Subdomain)
}

// DesiredObjects are everything provisioned for a request, the Namespace first, as the
// operator would create them (the benchmark's floor creates the same objects directly).
func DesiredObjects(cfg config.Config, sdr *hostingv1.SubdomainRequest) []client.Object {
	return append([]client.Object{desiredNamespace(cfg, sdr)}, desiredChildren(cfg, sdr)...)
}
