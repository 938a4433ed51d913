package preflight

import (
	"context"
	"errors"
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
