package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
	externaldnsv1 "sigs.k8s.io/external-dns/apis/v1alpha1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
	"github.com/kudus-diskominfo/subdomain-operator/internal/testenv"
)

// webhookRecorder is the chat gateway of the tests: it keeps every POST it gets.
type webhookRecorder struct {
	*httptest.Server
	mu    sync.Mutex
	posts []map[string]any
}

func newWebhookRecorder() *webhookRecorder {
	w := &webhookRecorder{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body map[string]any
		data, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(data, &body) != nil {
			rw.WriteHeader(http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		w.posts = append(w.posts, body)
		w.mu.Unlock()
		rw.WriteHeader(http.StatusNoContent)
	}))
	return w
}

// postsFor returns the posts about one request.
func (w *webhookRecorder) postsFor(request string) []map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []map[string]any
	for _, p := range w.posts {
		if p["request"] == request {
			out = append(out, p)
		}
	}
	return out
}

// mailsTo returns the messages in mailpit's inbox for one recipient whose subject
// contains a phrase.
func mailsTo(address, phrase string) func() []harness.Mail {
	return func() []harness.Mail {
		all, err := mailpit.Messages(ctx)
		Expect(err).NotTo(HaveOccurred())
		var out []harness.Mail
		for _, m := range all {
			for _, to := range m.To {
				if to == address && strings.Contains(m.Subject, phrase) {
					out = append(out, m)
				}
			}
		}
		return out
	}
}

// scrape reads the operator's metrics endpoint.
func scrape() string {
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

// certificate returns the site's cert-manager Certificate web-tls in a namespace, or
// nil when there is none (cert-manager's kinds are read as unstructured).
func certificate(ns string) *unstructured.Unstructured {
	cert := &unstructured.Unstructured{}
	cert.SetGroupVersionKind(testenv.CertificateGVK)
	if err := admin.Get(ctx, client.ObjectKey{Namespace: ns, Name: "web-tls"}, cert); err != nil {
		return nil
	}
	return cert
}

// certificateList is an empty list of cert-manager Certificates.
func certificateList() *unstructured.UnstructuredList {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(testenv.CertificateGVK.GroupVersion().WithKind("CertificateList"))
	return list
}

// conditionAsSeen is a condition of a request as a user reads it with kubectl:
// "<status> <reason>: <message>", or "" while there is none.
func conditionAsSeen(user, request, typ string) func() string {
	return func() string {
		out := mustKubectl(user, "get", "sdr", request, "-o",
			`jsonpath={range .status.conditions[?(@.type=="`+typ+`")]}{.status} {.reason}: {.message}{end}`)
		return strings.TrimSpace(out)
	}
}

// deletionWatch records the order in which the API server deletes a site's objects.
type deletionWatch struct {
	mu   sync.Mutex
	seen map[string]uint64 // kind: the resourceVersion of its deletion
}

// watchDeletions watches, in a site's namespace, the DNSEndpoint and the given route
// kinds (Ingress, HTTPRoute, ListenerSet) for their deletion, and the Namespace for
// the start of its own (envtest runs no namespace controller: it stays Terminating).
// The watches end with the spec.
func watchDeletions(ns string, routeKinds ...string) *deletionWatch {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: testenv.Scheme})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	lists := map[string]client.ObjectList{"DNSEndpoint": &externaldnsv1.DNSEndpointList{}, "Ingress": &networkingv1.IngressList{},
		"HTTPRoute": &gatewayv1.HTTPRouteList{}, "ListenerSet": &gatewayv1.ListenerSetList{}}
	wctx, stop := context.WithCancel(ctx)
	DeferCleanup(stop)
	d := &deletionWatch{seen: map[string]uint64{}}
	for _, kind := range append([]string{"DNSEndpoint"}, routeKinds...) {
		w, err := wc.Watch(wctx, lists[kind], client.InNamespace(ns))
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		go d.follow(w, kind, func(ev watch.Event) bool { return ev.Type == watch.Deleted })
	}
	w, err := wc.Watch(wctx, &corev1.NamespaceList{}, client.MatchingFields{"metadata.name": ns})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	go d.follow(w, "Namespace", func(ev watch.Event) bool {
		o, ok := ev.Object.(client.Object)
		return ev.Type == watch.Deleted || ok && o.GetDeletionTimestamp() != nil
	})
	return d
}

func (d *deletionWatch) follow(w watch.Interface, kind string, deleted func(watch.Event) bool) {
	defer GinkgoRecover()
	defer w.Stop()
	for ev := range w.ResultChan() {
		o, ok := ev.Object.(client.Object)
		if !ok || !deleted(ev) {
			continue
		}
		// The resourceVersion of the event is the deletion's (of the Namespace: of its
		// deletionTimestamp); etcd, envtest's storage, numbers them in commit order,
		// across kinds, where the arrival over separate watches need not be in order.
		rv, err := strconv.ParseUint(o.GetResourceVersion(), 10, 64)
		if err != nil {
			continue
		}
		d.mu.Lock()
		if _, done := d.seen[kind]; !done {
			d.seen[kind] = rv
		}
		d.mu.Unlock()
	}
}

// order lists the kinds deleted so far, first deleted first.
func (d *deletionWatch) order() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for kind := range d.seen {
		out = append(out, kind)
	}
	sort.Slice(out, func(i, j int) bool { return d.seen[out[i]] < d.seen[out[j]] })
	return out
}
