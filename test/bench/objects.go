package main

import (
	"encoding/json"
	"fmt"
	"html"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	"sigs.k8s.io/external-dns/endpoint"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
)

const (
	zone          = "kuduskab.go.id"
	targetIP      = "192.0.2.10"
	clusterIssuer = "letsencrypt-kudus"
	// floorLabel marks the objects the floor measurements create directly. They carry
	// the subdomain label (so the benchmark's watch sees them) but not the request
	// label, so the operator's label-filtered cache never holds them.
	floorLabel = "bench.hosting.kuduskab.go.id/floor"
	// childrenPerSite is the Namespace plus the nine objects inside it.
	childrenPerSite = 10
)

// operatorConfig is the platform configuration the benchmark runs the operator with:
// the e2e suite's, without mail or webhook. With dnsServer empty the operator does
// not ask a DNS server (DNSReady follows the DNSEndpoint alone). The time standards
// are a day long so that the SLA-breach write a pending request legitimately gets at
// its deadline cannot fall into a measurement window.
func operatorConfig(dnsServer string) string {
	s := fmt.Sprintf(`baseDomain: %s
ingressClassName: nginx
ingressTarget:
  ips: [%s]
clusterIssuer: %s
recordTTL: 60
timeStandards:
  submission: 24h
  kepalaDinas: 24h
  kepalaBidang: 24h
  kepalaSeksi: 24h
  provisioning: 24h
`, zone, targetIP, clusterIssuer)
	if dnsServer != "" {
		s += fmt.Sprintf("dns:\n  servers: [%q]\n  timeout: 1s\n", dnsServer)
	}
	return s
}

// newRequest is a complete request as an applicant unit files it.
func newRequest(name, subdomain string) *hostingv1.SubdomainRequest {
	return &hostingv1.SubdomainRequest{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: hostingv1.SubdomainRequestSpec{
			Subdomain: subdomain,
			Applicant: hostingv1.Applicant{
				Unit: "Dinas Uji " + name, ContactName: "Siti Aminah", Position: "Kepala Subbagian Umum",
				Email: "uji@kuduskab.go.id", Group: "opd:bench",
			},
			Letter:  hostingv1.Letter{Number: "555/" + name + "/2026", Date: "2026-11-28"},
			Purpose: "Uji beban operator",
			Hosting: hostingv1.Hosting{Plan: hostingv1.PlanSmall, StarterSite: ptr.To(true)},
		},
	}
}

// approvalPatch is what `kubectl annotate sdr <name> approval...=<user>` sends: a JSON
// merge patch of one annotation.
func approvalPatch(role hostingv1.Role, user string) client.Patch {
	data, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{hostingv1.ApprovalAnnotation(role): user}}})
	return client.RawPatch(types.MergePatchType, data)
}

func sdrRef(name string) *hostingv1.SubdomainRequest {
	return &hostingv1.SubdomainRequest{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// floorSite returns the ten objects the operator creates for a site, built the same
// way as controllers/subdomainrequest_children.go does (same specs, same number of
// labels, an owner reference), for the floor: created directly, without the operator.
func floorSite(cfg config.Config, subdomain, tag string) []client.Object {
	ns := cfg.NamespaceFor(subdomain)
	meta := func(namespace, name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: namespace,
			Labels: map[string]string{hostingv1.SubdomainLabel: subdomain, floorLabel: tag, "app.kubernetes.io/managed-by": "subdomain-operator"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: hostingv1.GroupVersion.String(), Kind: "SubdomainRequest", Name: subdomain,
				UID: uuid.NewUUID(), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		}
	}
	plan := cfg.Plans[hostingv1.PlanSmall]
	canonical := func(q resource.Quantity) resource.Quantity { return resource.MustParse(q.String()) }
	site := map[string]string{"app.kubernetes.io/name": "web"}
	fqdn := cfg.FQDN(subdomain)

	namespace := &corev1.Namespace{ObjectMeta: meta("", ns)}
	namespace.Annotations = map[string]string{"hosting.kuduskab.go.id/unit": "Dinas Uji " + subdomain}

	quota := &corev1.ResourceQuota{ObjectMeta: meta(ns, "plan"), Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
		corev1.ResourceRequestsCPU: canonical(plan.CPU), corev1.ResourceLimitsCPU: canonical(plan.CPU),
		corev1.ResourceRequestsMemory: canonical(plan.Memory), corev1.ResourceLimitsMemory: canonical(plan.Memory),
		corev1.ResourceRequestsStorage: canonical(plan.Storage), corev1.ResourcePods: *resource.NewQuantity(plan.Pods, resource.DecimalSI),
	}}}
	limits := &corev1.LimitRange{ObjectMeta: meta(ns, "defaults"), Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:           corev1.LimitTypeContainer,
		Default:        corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
	}}}}
	netpol := &networkingv1.NetworkPolicy{ObjectMeta: meta(ns, "allow-ingress-and-namespace"), Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
			{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": cfg.IngressNamespace}}},
			{PodSelector: &metav1.LabelSelector{}},
		}}},
	}}
	binding := &rbacv1.RoleBinding{ObjectMeta: meta(ns, "site-editors"),
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "edit"},
		Subjects: []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "Group", Name: "opd:bench"}}}
	cm := &corev1.ConfigMap{ObjectMeta: meta(ns, "starter-site")}
	cm.Annotations = map[string]string{"hosting.kuduskab.go.id/starter-site": "true"}
	cm.Data = map[string]string{"index.html": fmt.Sprintf(`<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><title>%[1]s</title></head>
<body>
<h1>%[1]s</h1>
<p>Situs web %[2]s sedang disiapkan.</p>
<p>Subdomain ini disediakan oleh Dinas Komunikasi dan Informatika Kabupaten Kudus.</p>
</body>
</html>
`, html.EscapeString("Dinas Uji "+subdomain), html.EscapeString(fqdn))}
	deploy := &appsv1.Deployment{ObjectMeta: meta(ns, "web")}
	deploy.Annotations = map[string]string{"hosting.kuduskab.go.id/starter-site": "true"}
	deploy.Spec = appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](1),
		Selector: &metav1.LabelSelector{MatchLabels: site},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: site},
			Spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)},
				Containers: []corev1.Container{{
					Name: "web", Image: cfg.StarterImage,
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
					SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false),
						Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
					VolumeMounts: []corev1.VolumeMount{{Name: "content", MountPath: "/usr/share/nginx/html", ReadOnly: true}},
				}},
				Volumes: []corev1.Volume{{Name: "content", VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "starter-site"}}}}},
			},
		},
	}
	svc := &corev1.Service{ObjectMeta: meta(ns, "web"), Spec: corev1.ServiceSpec{
		Selector: site,
		Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}},
	}}
	ing := &networkingv1.Ingress{ObjectMeta: meta(ns, "web")}
	ing.Annotations = map[string]string{"cert-manager.io/cluster-issuer": cfg.ClusterIssuer}
	ing.Spec = networkingv1.IngressSpec{
		IngressClassName: ptr.To(cfg.IngressClassName),
		TLS:              []networkingv1.IngressTLS{{Hosts: []string{fqdn}, SecretName: "web-tls"}},
		Rules: []networkingv1.IngressRule{{Host: fqdn, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: ptr.To(networkingv1.PathTypePrefix),
				Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Name: "http"}}}}},
		}}}},
	}
	dnsEndpoint := floorDNSEndpoint(meta(ns, "web"), fqdn, cfg.RecordTTL)
	return []client.Object{namespace, quota, limits, netpol, binding, cm, deploy, svc, ing, dnsEndpoint}
}

// floorDNSEndpoint is the DNSEndpoint the operator makes for a name.
func floorDNSEndpoint(meta metav1.ObjectMeta, fqdn string, ttl int64) *externaldnsv1.DNSEndpoint {
	return &externaldnsv1.DNSEndpoint{ObjectMeta: meta, Spec: externaldnsv1.DNSEndpointSpec{Endpoints: []*endpoint.Endpoint{{
		DNSName: fqdn, RecordTTL: endpoint.TTL(ttl), RecordType: endpoint.RecordTypeA, Targets: endpoint.Targets{targetIP},
	}}}}
}
