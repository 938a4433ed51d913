// Package v1alpha1 contains the API of the Kudus subdomain and hosting operator:
// the SubdomainRequest, one request for a website subdomain and hosting under the
// regency's domain, approved in the order of Diskominfo Kabupaten Kudus SOP
// 555/963/18.03/2021 "Permohonan Hosting dan Sub Domain Website".
//
// +kubebuilder:object:generate=true
// +groupName=hosting.kuduskab.go.id
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of this API.
	GroupVersion = schema.GroupVersion{Group: "hosting.kuduskab.go.id", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this API with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this API to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &SubdomainRequest{}, &SubdomainRequestList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
