package controllers

import (
	"fmt"
	"html"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/grants"
	"github.com/kudus-diskominfo/subdomain-operator/internal/readiness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/sitestore"
)

// The operator's RBAC for the kinds of siteParts, one marker per kind (kept beside the
// table: a new kind needs its marker here).
// +kubebuilder:rbac:groups=core,resources=namespaces;resourcequotas;limitranges;configmaps;services,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses;networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=edit
// +kubebuilder:rbac:groups=externaldns.k8s.io,resources=dnsendpoints,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes;listenersets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;update;patch;delete

// siteParts is what a site is made of: one entry per kind, in creation order.
// Creating, watching, repairing, releasing (Retain) and deleting (Delete) are all
// derived from this table; adding a kind is one entry, its builder, and its RBAC
// marker above.
var siteParts = []part{
	{kind: "Namespace", name: "", gvr: gvr("", "v1", "namespaces"), newObject: func() client.Object { return &corev1.Namespace{} },
		build: desiredNamespace, affects: hostingv1.ConditionNamespaceReady},
	{kind: "ResourceQuota", name: QuotaName, gvr: gvr("", "v1", "resourcequotas"), newObject: func() client.Object { return &corev1.ResourceQuota{} },
		build: desiredQuota, affects: hostingv1.ConditionNamespaceReady},
	{kind: "LimitRange", name: LimitRangeName, gvr: gvr("", "v1", "limitranges"), newObject: func() client.Object { return &corev1.LimitRange{} },
		build: desiredLimitRange, affects: hostingv1.ConditionNamespaceReady},
	{kind: "NetworkPolicy", name: NetworkPolicyName, gvr: gvr("networking.k8s.io", "v1", "networkpolicies"), newObject: func() client.Object { return &networkingv1.NetworkPolicy{} },
		build: desiredNetworkPolicy, affects: hostingv1.ConditionNamespaceReady},
	{kind: "RoleBinding", name: RoleBindingName, gvr: gvr("rbac.authorization.k8s.io", "v1", "rolebindings"), newObject: func() client.Object { return &rbacv1.RoleBinding{} },
		build: desiredRoleBinding, affects: hostingv1.ConditionNamespaceReady},
	{kind: "ConfigMap", name: StarterConfigMap, gvr: gvr("", "v1", "configmaps"), newObject: func() client.Object { return &corev1.ConfigMap{} },
		build: starterConfigMap, affects: hostingv1.ConditionNamespaceReady},
	{kind: "Deployment", name: SiteName, gvr: gvr("apps", "v1", "deployments"), newObject: func() client.Object { return &appsv1.Deployment{} },
		build: starterDeployment, affects: hostingv1.ConditionNamespaceReady, ready: readiness.Deployment, serves: hostingv1.ConditionSiteAvailable},
	{kind: "Service", name: SiteName, gvr: gvr("", "v1", "services"), newObject: func() client.Object { return &corev1.Service{} },
		build: desiredService, affects: hostingv1.ConditionNamespaceReady},
	{kind: "Certificate", name: CertificateName, gvr: certificateGVR, newObject: newCertificate, used: config.Config.TLS,
		build: desiredCertificate, affects: hostingv1.ConditionCertificateReady, ready: readiness.Certificate, serves: hostingv1.ConditionCertificateReady},
	{kind: "Ingress", name: SiteName, gvr: gvr("networking.k8s.io", "v1", "ingresses"), newObject: func() client.Object { return &networkingv1.Ingress{} },
		build: desiredIngress, affects: hostingv1.ConditionIngressReady, hosts: sitestore.IngressHosts, deleteStep: 2,
		ready: readiness.Ingress, serves: hostingv1.ConditionRouteAccepted, routing: config.RoutingIngress},
	{kind: "ListenerSet", name: SiteName, gvr: gvr(gatewayv1.GroupName, "v1", "listenersets"), newObject: func() client.Object { return &gatewayv1.ListenerSet{} },
		used: usesGateway, build: desiredListenerSet, affects: hostingv1.ConditionIngressReady, hosts: sitestore.ListenerSetHosts, deleteStep: 2},
	{kind: "HTTPRoute", name: SiteName, gvr: gvr(gatewayv1.GroupName, "v1", "httproutes"), newObject: func() client.Object { return &gatewayv1.HTTPRoute{} },
		used: usesGateway, build: desiredHTTPRoute, affects: hostingv1.ConditionIngressReady, hosts: sitestore.HTTPRouteHosts, deleteStep: 2,
		ready: readiness.HTTPRoute, serves: hostingv1.ConditionRouteAccepted, routing: config.RoutingGateway},
	{kind: "DNSEndpoint", name: SiteName, gvr: gvr("externaldns.k8s.io", "v1alpha1", "dnsendpoints"), newObject: func() client.Object { return &externaldnsv1.DNSEndpoint{} },
		build: desiredDNSEndpoint, affects: hostingv1.ConditionDNSReady, hosts: sitestore.DNSEndpointNames, deleteStep: 1},
}

// part is one kind of object a site is made of.
type part struct {
	kind string
	// name of the object in the site namespace; "" for the Namespace itself.
	name      string
	gvr       schema.GroupVersionResource
	newObject func() client.Object
	// build makes the object for a request; nil when the request does not want it
	// (the starter site turned off).
	build func(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object
	// affects is the condition an object of this kind that somebody else made
	// (a conflict) turns false.
	affects string
	// hosts, for kinds that serve or publish names: every object of the kind in the
	// cluster is followed, since any of them can take a name.
	hosts func(*unstructured.Unstructured) []string
	// deleteStep orders the deletion with deletionPolicy Delete: 1 first (the DNS
	// record), then 2 (the route), then the Namespace with everything else in it.
	deleteStep int
	// used says whether the platform's configuration has this kind at all (nil:
	// always); a kind it does not use may not even be installed (the Gateway API,
	// cert-manager), so it is neither followed nor made. Releasing and deleting look
	// at every kind (a site made under another configuration keeps its parts) and
	// skip those the API server does not serve.
	used func(config.Config) bool
	// ready reads from the object's status whether it serves ("" when it does, else
	// what is missing); serves is the condition that reports it.
	ready  func(*unstructured.Unstructured) string
	serves string
	// routing: the part is the site's route in this routing mode; its readiness
	// decides RouteAccepted.
	routing string
}

func usesGateway(cfg config.Config) bool { return cfg.Routing == config.RoutingGateway }

// partsFor are the parts the configuration uses.
func partsFor(cfg config.Config) []part {
	var out []part
	for _, p := range siteParts {
		if p.used == nil || p.used(cfg) {
			out = append(out, p)
		}
	}
	return out
}

func gvr(group, version, resource string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: group, Version: version, Resource: resource}
}

// namespacePart is the claim: the first part, cluster-scoped.
var namespacePart = siteParts[0]

// DesiredObjects are everything provisioned for a request, the Namespace first, as the
// operator creates them (the benchmark's floor creates the same objects directly).
func DesiredObjects(cfg config.Config, sdr *hostingv1.SubdomainRequest) []client.Object {
	var out []client.Object
	for _, p := range siteParts {
		if obj := p.build(cfg, sdr); obj != nil {
			out = append(out, obj)
		}
	}
	return out
}

// followedKinds are the kinds the site store follows: with provisioning off, only those
// that serve names (for the name check).
func followedKinds(cfg config.Config, provisioning bool) []sitestore.Kind {
	var out []sitestore.Kind
	for _, p := range partsFor(cfg) {
		switch {
		case provisioning:
			out = append(out, sitestore.Kind{Name: p.kind, GVR: p.gvr, Hosts: p.hosts, Ready: p.ready})
		case p.hosts != nil:
			out = append(out, sitestore.Kind{Name: p.kind, GVR: p.gvr, Hosts: p.hosts})
		}
	}
	return out
}

// hostKinds are the followed kinds that serve or publish names.
func hostKinds(cfg config.Config) []string {
	var out []string
	for _, p := range partsFor(cfg) {
		if p.hosts != nil {
			out = append(out, p.kind)
		}
	}
	return out
}

// deletionOrder are the parts deleted one by one with deletionPolicy Delete, in
// order, before the Namespace takes the rest with it: every kind of the table, not
// only those the configuration uses now, since a site made under another routing
// keeps its route (a kind the API server does not serve is skipped).
func deletionOrder() []part {
	var out []part
	for _, p := range siteParts[1:] {
		if p.deleteStep > 0 {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b part) int { return a.deleteStep - b.deleteStep })
	return append(out, namespacePart)
}

// key is where the part's object of a request lives.
func (p part) key(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.ObjectKey {
	if p.name == "" {
		return client.ObjectKey{Name: cfg.NamespaceFor(sdr.Spec.Subdomain)}
	}
	return client.ObjectKey{Namespace: cfg.NamespaceFor(sdr.Spec.Subdomain), Name: p.name}
}

// partOf finds the part of an object's kind.
func partOf(kind string) part {
	for _, p := range siteParts {
		if p.kind == kind {
			return p
		}
	}
	return part{kind: kind, affects: hostingv1.ConditionNamespaceReady}
}

// Names of the objects provisioned in a site's Namespace.
const (
	SiteName          = "web"     // Deployment, Service, Ingress or HTTPRoute and ListenerSet, DNSEndpoint
	CertificateName   = "web-tls" // the Certificate and its Secret
	QuotaName         = "plan"
	LimitRangeName    = "defaults"
	NetworkPolicyName = "allow-ingress-and-namespace"
	RoleBindingName   = "site-editors"
	StarterConfigMap  = "starter-site"
)

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

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func desiredNamespace(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
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
		hostingv1.GrantAnnotation: cfg.GrantedHosts.Namespace + "/" + grants.Shard(cfg.GrantedHosts.Name, cfg.FQDN(sdr.Spec.Subdomain)),
	}
	return ns
}

func desiredQuota(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	plan := cfg.Plans[sdr.Spec.Hosting.Plan]
	if sdr.Spec.Hosting.Plan == "" {
		plan = cfg.Plans[hostingv1.PlanSmall]
	}
	return &corev1.ResourceQuota{TypeMeta: typeMeta("v1", "ResourceQuota"),
		ObjectMeta: objectMeta(sdr, cfg.NamespaceFor(sdr.Spec.Subdomain), QuotaName),
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourceRequestsCPU:     canonical(plan.CPU),
			corev1.ResourceLimitsCPU:       canonical(plan.CPU),
			corev1.ResourceRequestsMemory:  canonical(plan.Memory),
			corev1.ResourceLimitsMemory:    canonical(plan.Memory),
			corev1.ResourceRequestsStorage: canonical(plan.Storage),
			corev1.ResourcePods:            *resource.NewQuantity(plan.Pods, resource.DecimalSI),
		}}}
}

func desiredLimitRange(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	return &corev1.LimitRange{TypeMeta: typeMeta("v1", "LimitRange"),
		ObjectMeta: objectMeta(sdr, cfg.NamespaceFor(sdr.Spec.Subdomain), LimitRangeName),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		}}}}
}

func desiredNetworkPolicy(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	return &networkingv1.NetworkPolicy{TypeMeta: typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: objectMeta(sdr, cfg.NamespaceFor(sdr.Spec.Subdomain), NetworkPolicyName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
				{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": cfg.TrafficNamespace()}}},
				{PodSelector: &metav1.LabelSelector{}},
			}}},
		}}
}

func desiredRoleBinding(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	return &rbacv1.RoleBinding{TypeMeta: typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"),
		ObjectMeta: objectMeta(sdr, cfg.NamespaceFor(sdr.Spec.Subdomain), RoleBindingName),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: sdr.Spec.Applicant.Group}}}
}

func canonical(q resource.Quantity) resource.Quantity { return resource.MustParse(q.String()) }

func siteLabels() map[string]string { return map[string]string{"app.kubernetes.io/name": SiteName} }

func starterConfigMap(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	if !sdr.Spec.Hosting.StarterSiteEnabled() {
		return nil
	}
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	cm := &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: objectMeta(sdr, ns, StarterConfigMap)}
	cm.Annotations = map[string]string{hostingv1.StarterSiteAnnotation: "true"}
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

func starterDeployment(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	if !sdr.Spec.Hosting.StarterSiteEnabled() {
		return nil
	}
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: objectMeta(sdr, ns, SiteName)}
	d.Annotations = map[string]string{hostingv1.StarterSiteAnnotation: "true"}
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

func desiredService(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	return &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}, ObjectMeta: objectMeta(sdr, ns, SiteName),
		Spec: corev1.ServiceSpec{
			Selector: siteLabels(),
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
		}}
}

func desiredIngress(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	if cfg.Routing != config.RoutingIngress {
		return nil
	}
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
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
	if cfg.TLS() {
		// The Certificate is the operator's own part (not cert-manager's ingress-shim),
		// so that its readiness is read from a name the operator knows.
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{fqdn}, SecretName: CertificateName}}
	}
	return ing
}

// certificateGVR is cert-manager's Certificate, read and written as unstructured (see
// internal/readiness for why).
var certificateGVR = gvr("cert-manager.io", "v1", "certificates")

func newCertificate() client.Object {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(certificateGVR.GroupVersion().WithKind("Certificate"))
	return u
}

// desiredCertificate is the site's certificate from the configured ClusterIssuer,
// stored in Secret web-tls, which the Ingress or the site's ListenerSet serves.
func desiredCertificate(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	if !cfg.TLS() {
		return nil
	}
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	u := newCertificate().(*unstructured.Unstructured)
	m := objectMeta(sdr, ns, CertificateName)
	u.SetName(m.Name)
	u.SetNamespace(m.Namespace)
	u.SetLabels(m.Labels)
	u.SetOwnerReferences(m.OwnerReferences)
	u.Object["spec"] = map[string]any{
		"secretName": CertificateName,
		"dnsNames":   []any{cfg.FQDN(sdr.Spec.Subdomain)},
		"issuerRef":  map[string]any{"group": "cert-manager.io", "kind": "ClusterIssuer", "name": cfg.ClusterIssuer},
	}
	return u
}

// desiredListenerSet is the site's own HTTPS listener on the shared Gateway (routing:
// gateway, with TLS): its host and its certificate, so that each site has its own
// certificate without anyone editing the shared Gateway. The Gateway must admit
// ListenerSets from the site namespaces (spec.allowedListeners; see the README).
func desiredListenerSet(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	if cfg.Routing != config.RoutingGateway || !cfg.TLS() {
		return nil
	}
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	return &gatewayv1.ListenerSet{TypeMeta: typeMeta(gatewayv1.GroupVersion.String(), "ListenerSet"), ObjectMeta: objectMeta(sdr, ns, SiteName),
		Spec: gatewayv1.ListenerSetSpec{
			ParentRef: gatewayv1.ParentGatewayReference{
				Group: ptr.To(gatewayv1.Group(gatewayv1.GroupName)), Kind: ptr.To(gatewayv1.Kind("Gateway")),
				Namespace: ptr.To(gatewayv1.Namespace(cfg.Gateway.Namespace)), Name: gatewayv1.ObjectName(cfg.Gateway.Name)},
			Listeners: []gatewayv1.ListenerEntry{{
				Name: HTTPSListener, Hostname: ptr.To(gatewayv1.Hostname(cfg.FQDN(sdr.Spec.Subdomain))),
				Port: 443, Protocol: gatewayv1.HTTPSProtocolType,
				TLS: &gatewayv1.ListenerTLSConfig{Mode: ptr.To(gatewayv1.TLSModeTerminate),
					CertificateRefs: []gatewayv1.SecretObjectReference{{Group: ptr.To(gatewayv1.Group("")), Kind: ptr.To(gatewayv1.Kind("Secret")), Name: CertificateName}}},
				AllowedRoutes: &gatewayv1.AllowedRoutes{Namespaces: &gatewayv1.RouteNamespaces{From: ptr.To(gatewayv1.NamespacesFromSame)}},
			}},
		}}
}

// HTTPSListener is the listener of the site's ListenerSet.
const HTTPSListener = "https"

// desiredHTTPRoute sends the site's host to Service web (routing: gateway), through the
// shared Gateway (its configured section, e.g. an HTTP listener) and, with TLS, the
// site's own HTTPS listener.
func desiredHTTPRoute(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	if cfg.Routing != config.RoutingGateway {
		return nil
	}
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
	shared := gatewayv1.ParentReference{Group: ptr.To(gatewayv1.Group(gatewayv1.GroupName)), Kind: ptr.To(gatewayv1.Kind("Gateway")),
		Namespace: ptr.To(gatewayv1.Namespace(cfg.Gateway.Namespace)), Name: gatewayv1.ObjectName(cfg.Gateway.Name)}
	if cfg.Gateway.SectionName != "" {
		shared.SectionName = ptr.To(gatewayv1.SectionName(cfg.Gateway.SectionName))
	}
	parents := []gatewayv1.ParentReference{shared}
	if cfg.TLS() {
		parents = append(parents, gatewayv1.ParentReference{Group: ptr.To(gatewayv1.Group(gatewayv1.GroupName)), Kind: ptr.To(gatewayv1.Kind("ListenerSet")),
			Name: SiteName, SectionName: ptr.To(gatewayv1.SectionName(HTTPSListener))})
	}
	return &gatewayv1.HTTPRoute{TypeMeta: typeMeta(gatewayv1.GroupVersion.String(), "HTTPRoute"), ObjectMeta: objectMeta(sdr, ns, SiteName),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: parents},
			Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(cfg.FQDN(sdr.Spec.Subdomain))},
			Rules: []gatewayv1.HTTPRouteRule{{
				Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To("/")}}},
				BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{
					Group: ptr.To(gatewayv1.Group("")), Kind: ptr.To(gatewayv1.Kind("Service")),
					Name: SiteName, Port: ptr.To(gatewayv1.PortNumber(80))}}}},
			}},
		}}
}

func desiredDNSEndpoint(cfg config.Config, sdr *hostingv1.SubdomainRequest) client.Object {
	ns := cfg.NamespaceFor(sdr.Spec.Subdomain)
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

// siteURL is https only when the site's certificate is really issued.
func siteURL(cfg config.Config, sdr *hostingv1.SubdomainRequest, certificateReady bool) string {
	if cfg.TLS() && certificateReady {
		return "https://" + cfg.FQDN(sdr.Spec.Subdomain)
	}
	return "http://" + cfg.FQDN(sdr.Spec.Subdomain)
}
