// Package preflight checks, when the operator starts, that the API server serves the
// kinds it needs, and says in one sentence what is missing and how to install it: a
// missing kind would otherwise show as the cache failing to sync minutes later.
package preflight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/discovery"
)

// Kind is a kind the operator needs, and how to install it when it is missing.
type Kind struct {
	// GroupVersion is the API group and version, e.g. externaldns.k8s.io/v1alpha1.
	GroupVersion string
	// Kind is the kind's name, e.g. DNSEndpoint.
	Kind string
	// Install says how to make the API server serve it.
	Install string
}

// ExternalDNSVersion is the external-dns release whose DNSEndpoint CRD the operator is
// built and tested against.
const ExternalDNSVersion = "v0.21.0"

// DNSEndpointCRDURL is external-dns's DNSEndpoint CRD (config/crd/standard) of that
// release.
const DNSEndpointCRDURL = "https://raw.githubusercontent.com/kubernetes-sigs/external-dns/" + ExternalDNSVersion +
	"/config/crd/standard/dnsendpoints.externaldns.k8s.io.yaml"

// Required are the kinds the operator needs besides the built-in ones.
var Required = []Kind{
	{GroupVersion: "hosting.kuduskab.go.id/v1alpha1", Kind: "SubdomainRequest",
		Install: "install this product's CRD: make install, or kubectl apply -k config/crd"},
	{GroupVersion: "externaldns.k8s.io/v1alpha1", Kind: "DNSEndpoint",
		Install: "install external-dns's CRD (" + ExternalDNSVersion + ", config/crd/standard): kubectl apply -f " + DNSEndpointCRDURL},
}

// GatewayAPIVersion and CertManagerVersion are the releases whose CRDs the operator is
// built and tested against.
const (
	GatewayAPIVersion  = "v1.6.3"
	CertManagerVersion = "v1.21.2"
)

var (
	httpRoute = Kind{GroupVersion: "gateway.networking.k8s.io/v1", Kind: "HTTPRoute",
		Install: "routing: gateway needs the Gateway API's standard CRDs (" + GatewayAPIVersion + "): kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/" + GatewayAPIVersion + "/standard-install.yaml, or set routing: ingress"}
	listenerSet = Kind{GroupVersion: "gateway.networking.k8s.io/v1", Kind: "ListenerSet",
		Install: "routing: gateway with TLS needs ListenerSet, in the Gateway API's standard channel since v1.5 (" + GatewayAPIVersion + " is tested): kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/" + GatewayAPIVersion + "/standard-install.yaml"}
	certificate = Kind{GroupVersion: "cert-manager.io/v1", Kind: "Certificate",
		Install: "a clusterIssuer is configured, so TLS needs cert-manager (" + CertManagerVersion + " is tested): install it, or leave clusterIssuer empty to turn TLS off"}
)

// For are the kinds a configuration needs: Required, plus HTTPRoute (routing:
// gateway), ListenerSet (gateway with TLS) and Certificate (TLS).
func For(gateway, tls bool) []Kind {
	kinds := slices.Clone(Required)
	if gateway {
		kinds = append(kinds, httpRoute)
		if tls {
			kinds = append(kinds, listenerSet)
		}
	}
	if tls {
		kinds = append(kinds, certificate)
	}
	return kinds
}

// MissingError lists the kinds the API server does not serve.
type MissingError struct{ Missing []Kind }

func (e *MissingError) Error() string {
	parts := make([]string, 0, len(e.Missing))
	for _, k := range e.Missing {
		parts = append(parts, fmt.Sprintf("the API server does not serve %s (%s); %s", k.Kind, k.GroupVersion, k.Install))
	}
	return strings.Join(parts, "; and ")
}

// Check asks the API server's discovery whether it serves every kind. It returns a
// *MissingError naming those it does not, or the error of asking.
func Check(ctx context.Context, d discovery.ServerResourcesInterfaceWithContext, kinds []Kind) error {
	var missing []Kind
	for _, k := range kinds {
		served, err := serves(ctx, d, k)
		if err != nil {
			return fmt.Errorf("asking the API server whether it serves %s (%s): %w", k.Kind, k.GroupVersion, err)
		}
		if !served {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return &MissingError{Missing: missing}
	}
	return nil
}

func serves(ctx context.Context, d discovery.ServerResourcesInterfaceWithContext, k Kind) (bool, error) {
	list, err := d.ServerResourcesForGroupVersionWithContext(ctx, k.GroupVersion)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, r := range list.APIResources {
		if r.Kind == k.Kind && !strings.Contains(r.Name, "/") {
			return true, nil
		}
	}
	return false, nil
}

// IsMissing reports whether err says a kind is missing.
func IsMissing(err error) bool {
	var m *MissingError
	return errors.As(err, &m)
}
