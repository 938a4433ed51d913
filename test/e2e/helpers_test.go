package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	. "github.com/onsi/gomega"

	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
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
