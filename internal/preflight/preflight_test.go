package preflight

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	discoveryfake "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"
)

func served(lists ...*metav1.APIResourceList) *discoveryfake.FakeDiscovery {
	return &discoveryfake.FakeDiscovery{Fake: &clienttesting.Fake{Resources: lists}}
}

var (
	sdrList = &metav1.APIResourceList{GroupVersion: "hosting.kuduskab.go.id/v1alpha1", APIResources: []metav1.APIResource{
		{Name: "subdomainrequests", Kind: "SubdomainRequest"}, {Name: "subdomainrequests/status", Kind: "SubdomainRequest"}}}
	dnsList = &metav1.APIResourceList{GroupVersion: "externaldns.k8s.io/v1alpha1", APIResources: []metav1.APIResource{
		{Name: "dnsendpoints", Kind: "DNSEndpoint"}}}
)

func TestCheck(t *testing.T) {
	ctx := context.Background()
	if err := Check(ctx, served(sdrList, dnsList), Required); err != nil {
		t.Fatalf("both served: %v", err)
	}

	err := Check(ctx, served(sdrList), Required)
	if !IsMissing(err) {
		t.Fatalf("without DNSEndpoint: want a MissingError, got %v", err)
	}
	want := "the API server does not serve DNSEndpoint (externaldns.k8s.io/v1alpha1); install external-dns's CRD (v0.21.0, config/crd/standard): " +
		"kubectl apply -f https://raw.githubusercontent.com/kubernetes-sigs/external-dns/v0.21.0/config/crd/standard/dnsendpoints.externaldns.k8s.io.yaml"
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}

	// Only the status subresource of a kind does not count as serving it.
	onlyStatus := &metav1.APIResourceList{GroupVersion: "externaldns.k8s.io/v1alpha1", APIResources: []metav1.APIResource{
		{Name: "dnsendpoints/status", Kind: "DNSEndpoint"}}}
	if err := Check(ctx, served(sdrList, onlyStatus), Required); !IsMissing(err) {
		t.Errorf("only a subresource: want a MissingError, got %v", err)
	}

	err = Check(ctx, served(), Required)
	if !IsMissing(err) || !strings.Contains(err.Error(), "SubdomainRequest (hosting.kuduskab.go.id/v1alpha1); install this product's CRD") ||
		!strings.Contains(err.Error(), "; and the API server does not serve DNSEndpoint") || strings.Contains(err.Error(), "\n") {
		t.Errorf("neither served: want both named on one line, got %v", err)
	}

	broken := served(sdrList, dnsList)
	broken.PrependReactor("get", "resource", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	if err := Check(ctx, broken, Required); err == nil || IsMissing(err) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("discovery failing: want its error, got %v", err)
	}
}

// The kinds follow the configuration: the Gateway API's only with routing gateway
// (ListenerSet only with TLS too), cert-manager's only with TLS.
func TestForTheConfiguration(t *testing.T) {
	names := func(kinds []Kind) []string {
		var out []string
		for _, k := range kinds {
			out = append(out, k.Kind)
		}
		return out
	}
	tests := map[string]struct {
		gateway, tls bool
		want         []string
	}{
		"ingress without TLS": {false, false, []string{"SubdomainRequest", "DNSEndpoint"}},
		"ingress with TLS":    {false, true, []string{"SubdomainRequest", "DNSEndpoint", "Certificate"}},
		"gateway without TLS": {true, false, []string{"SubdomainRequest", "DNSEndpoint", "HTTPRoute"}},
		"gateway with TLS":    {true, true, []string{"SubdomainRequest", "DNSEndpoint", "HTTPRoute", "ListenerSet", "Certificate"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := names(For(tc.gateway, tc.tls)); !slices.Equal(got, tc.want) {
				t.Errorf("For(%v, %v) = %v, want %v", tc.gateway, tc.tls, got, tc.want)
			}
		})
	}
	if len(Required) != 2 {
		t.Errorf("For changed Required: %d kinds", len(Required))
	}
}
