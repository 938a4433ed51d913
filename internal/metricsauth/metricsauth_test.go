package metricsauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// The reviews against the real API server (401, 403, 200 through the installed RBAC)
// are in test/deploy; this is the cache's logic: an answer is reused for its token and
// path for a while, and only for them.
func TestAnswersAreReusedPerTokenForAWhile(t *testing.T) {
	reviews := 0
	scheme := runtime.NewScheme()
	_ = authenticationv1.AddToScheme(scheme)
	_ = authorizationv1.AddToScheme(scheme)
	cl := fake.NewClientBuilder().WithScheme(scheme).WithInterceptorFuncs(interceptor.Funcs{
		Create: func(_ context.Context, _ client.WithWatch, obj client.Object, _ ...client.CreateOption) error {
			switch o := obj.(type) {
			case *authenticationv1.TokenReview:
				reviews++
				o.Status.Authenticated = o.Spec.Token != "bad"
				o.Status.User.Username = "u-" + o.Spec.Token
			case *authorizationv1.SubjectAccessReview:
				o.Status.Allowed = o.Spec.User == "u-good"
			}
			return nil
		},
	}).Build()
	now := time.Unix(0, 0)
	g := &Guard{Client: cl, Log: logr.Discard(), now: func() time.Time { return now }}
	h := g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) }))
	get := func(path, token string) int {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	steps := []struct {
		path, token string
		advance     time.Duration
		code        int
		reviews     int
	}{
		{"/metrics", "", 0, 401, 0},                    // no token: nothing to ask
		{"/metrics", "good", 0, 200, 1},                // asked
		{"/metrics", "good", 59 * time.Second, 200, 1}, // reused within the minute
		{"/metrics", "good", 2 * time.Second, 200, 2},  // asked again after it
		{"/other", "good", 0, 200, 3},                  // another path is another question
		{"/metrics", "other", 0, 403, 4},               // another token too
		{"/metrics", "other", 9 * time.Second, 403, 4},
		{"/metrics", "other", 2 * time.Second, 403, 5}, // a refusal is kept 10 s
		{"/metrics", "bad", 0, 401, 6},
		{"/metrics", "bad", 0, 401, 6},
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		if code := get(s.path, s.token); code != s.code || reviews != s.reviews {
			t.Fatalf("step %d (%s with %q): got %d after %d reviews, want %d after %d", i, s.path, s.token, code, reviews, s.code, s.reviews)
		}
	}
}

func TestBearer(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc": "abc", "bearer abc": "abc", "  Bearer   abc ": "abc",
		"": "", "Bearer": "", "Bearer  ": "", "Basic abc": "", "abc": "",
	} {
		got, ok := bearer(header)
		if got != want || ok != (want != "") {
			t.Errorf("bearer(%q) = %q, %v; want %q", header, got, ok, want)
		}
	}
}
