package notify

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func message(event, reason string) Message {
	return Message{Event: event, Request: "dinkes", Subdomain: "dinkes", FQDN: "dinkes.kuduskab.go.id",
		URL: "https://dinkes.kuduskab.go.id", Namespace: "web-dinkes", Group: "opd:dinkes", Unit: "Dinas Kesehatan",
		ContactName: "Siti Aminah", Email: "dinkes@kuduskab.go.id", Letter: "555/1/2026 tanggal 2026-11-20",
		Reason: reason, Time: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC), ID: "uid.ready.subdomain-operator"}
}

func TestMessageText(t *testing.T) {
	tests := map[string]struct {
		msg        Message
		subject    string
		bodyHas    []string
		bodyHasNot []string
	}{
		"ready": {
			msg:     message(EventReady, ""),
			subject: "Subdomain dinkes.kuduskab.go.id sudah aktif / Your subdomain is ready",
			bodyHas: []string{"Yth. Siti Aminah (Dinas Kesehatan)", "Alamat situs   : https://dinkes.kuduskab.go.id",
				"Namespace      : web-dinkes", "Grup pengelola : opd:dinkes", "kubectl -n web-dinkes label deployment web hosting.kuduskab.go.id/request-",
				"English: your site https://dinkes.kuduskab.go.id is ready"},
			bodyHasNot: []string{"ditolak", "dikembalikan"},
		},
		"returned": {
			msg:     message(EventReturned, "dinkes.kuduskab.go.id is on the platform's reserved list"),
			subject: "Permohonan subdomain dinkes.kuduskab.go.id dikembalikan / Your subdomain request was returned",
			bodyHas: []string{"dikembalikan kepada Anda", "is on the platform's reserved list", "ubah spec.subdomain pada SubdomainRequest dinkes",
				"English: the name dinkes.kuduskab.go.id cannot be used"},
			bodyHasNot: []string{"Alamat situs"},
		},
		"rejected": {
			msg:        message(EventRejected, "Surat belum ditandatangani"),
			subject:    "Permohonan subdomain dinkes.kuduskab.go.id ditolak / Your subdomain request was rejected",
			bodyHas:    []string{"ditolak dengan alasan:", "Surat belum ditandatangani", "A rejected request is final"},
			bodyHasNot: []string{"Alamat situs"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := tc.msg.Subject(); got != tc.subject {
				t.Errorf("Subject() = %q, want %q", got, tc.subject)
			}
			body := tc.msg.Body()
			for _, want := range tc.bodyHas {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %q:\n%s", want, body)
				}
			}
			for _, not := range tc.bodyHasNot {
				if strings.Contains(body, not) {
					t.Errorf("body has %q:\n%s", not, body)
				}
			}
		})
	}
}

func TestSMTPRender(t *testing.T) {
	raw := string(SMTP{From: "diskominfo@kuduskab.go.id"}.render(message(EventReady, "")))
	for _, want := range []string{
		"From: diskominfo@kuduskab.go.id\r\n",
		"To: Siti Aminah <dinkes@kuduskab.go.id>\r\n",
		"Message-ID: <uid.ready.subdomain-operator@kuduskab.go.id>\r\n",
		"Content-Type: text/plain; charset=utf-8\r\n",
		"Date: Sat, 28 Nov 2026 08:00:00 +0000\r\n",
		"\r\n\r\nYth. Siti Aminah",
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("rendered mail lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Errorf("rendered mail has bare LF line endings")
	}
}

func TestWebhook(t *testing.T) {
	tests := map[string]struct {
		status  int
		wantErr string
	}{
		"accepted":   {status: http.StatusNoContent},
		"refused":    {status: http.StatusBadGateway, wantErr: "the webhook answered 502 Bad Gateway"},
		"no content": {status: http.StatusOK},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got map[string]any
			var key string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				data, _ := io.ReadAll(r.Body)
				_ = json.Unmarshal(data, &got)
				key = r.Header.Get("Idempotency-Key")
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			err := Webhook{URL: srv.URL + "/hook?token=secret"}.Send(context.Background(), message(EventReady, ""))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Send() = %v", err)
			case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
				t.Fatalf("Send() = %v, want %q", err, tc.wantErr)
			}
			if got["event"] != "ready" || got["url"] != "https://dinkes.kuduskab.go.id" || got["email"] != "dinkes@kuduskab.go.id" {
				t.Errorf("posted %v", got)
			}
			if key != "uid.ready.subdomain-operator" {
				t.Errorf("Idempotency-Key = %q", key)
			}
		})
	}
}

func TestWebhookErrorHidesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/hook?token=rahasia"
	srv.Close()
	err := Webhook{URL: url}.Send(context.Background(), message(EventReady, ""))
	if err == nil || strings.Contains(err.Error(), "rahasia") {
		t.Fatalf("Send() = %v; want an error without the URL's token", err)
	}
}

func TestSMTPServerDown(t *testing.T) {
	// A port that was just listening and is now closed: nothing answers there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host, n := "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	l.Close()
	err = SMTP{Host: host, Port: n, From: "a@b.c", Timeout: time.Second}.Send(context.Background(), message(EventReady, ""))
	if err == nil || !strings.HasPrefix(err.Error(), "connecting to the SMTP server 127.0.0.1:") {
		t.Fatalf("Send() = %v", err)
	}
}
