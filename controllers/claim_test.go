package controllers

import (
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	hostingv1 "github.com/kudus-diskominfo/subdomain-operator/api/v1alpha1"
	"github.com/kudus-diskominfo/subdomain-operator/internal/apply"
	"github.com/kudus-diskominfo/subdomain-operator/internal/config"
	"github.com/kudus-diskominfo/subdomain-operator/internal/sitestore"
)

var _ = Describe("Claiming a name", func() {
	It("is decided by the API server: of many requests claiming one name at the same moment, exactly one wins", func() {
		label := uniqueName("race")
		var requests []*hostingv1.SubdomainRequest
		for i := 0; i < 8; i++ {
			s := newRequest(uniqueName("race-req"))
			s.Spec.Subdomain = label
			Expect(admin.Create(ctx, s)).To(Succeed())
			requests = append(requests, s)
		}
		// A reconciler that reads only from the API server: no cache can help or hide.
		r := &SubdomainRequestReconciler{Client: admin, APIReader: admin, Config: config.Default()}
		r.applier = &apply.Applier{Client: admin, Reader: admin, Store: sitestore.New(nil, nil, nil), FieldManager: FieldManager}
		claims := make([]claim, len(requests))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range requests {
			wg.Add(1)
			go func(i int) {
				defer GinkgoRecover()
				defer wg.Done()
				<-start
				var err error
				claims[i], err = r.claimName(ctx, requests[i], r.wantedSite(requests[i]).objects[0])
				Expect(err).NotTo(HaveOccurred())
			}(i)
		}
		close(start)
		wg.Wait()

		winners := 0
		for i := range requests {
			if claims[i].claimed {
				winners++
				continue
			}
			Expect(claims[i].takenBy).NotTo(BeEmpty())
			Expect(claims[i].takenNamespace).To(Equal("web-" + label))
		}
		Expect(winners).To(Equal(1))
		ns := &corev1.Namespace{}
		Expect(admin.Get(ctx, client.ObjectKey{Name: "web-" + label}, ns)).To(Succeed())
		owner := ns.Labels[hostingv1.RequestLabel]
		for i := range requests {
			Expect(claims[i].claimed).To(Equal(requests[i].Name == owner))
			if !claims[i].claimed {
				Expect(claims[i].takenBy).To(Equal(owner))
			}
		}
	})
})
