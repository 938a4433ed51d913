package apply

import (
	"reflect"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDriftedNamesWhatChanged(t *testing.T) {
	desired := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "web-dinkes",
			Labels:      map[string]string{"app.kubernetes.io/managed-by": "subdomain-operator"},
			Annotations: map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt"}},
		Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{Host: "dinkes.kuduskab.go.id"}},
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"dinkes.kuduskab.go.id"}, SecretName: "web-tls"}}},
	}
	existing := desired.DeepCopy()
	existing.ResourceVersion, existing.Labels["extra"] = "5", "kept" // not drift
	if got := Drifted(desired, existing); len(got) != 0 {
		t.Fatalf("no drift: got %q", got)
	}
	existing.Spec.Rules[0].Host = "pembajak.example"
	delete(existing.Annotations, "cert-manager.io/cluster-issuer")
	existing.Spec.TLS = nil
	want := []string{`metadata.annotations["cert-manager.io/cluster-issuer"]`, "spec.rules[0].host", "spec.tls"}
	if got := Drifted(desired, existing); !reflect.DeepEqual(got, want) {
		t.Fatalf("Drifted = %q, want %q", got, want)
	}
}
