package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
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
		"returned, the operator's reason in Indonesian in the Indonesian text": {
			msg: func() Message {
				m := message(EventReturned, "dinkes.kuduskab.go.id was requested earlier by request dinkes-lama (Puskesmas Jati)")
				m.ReasonIndonesian = "dinkes.kuduskab.go.id sudah lebih dahulu dimohon melalui permohonan dinkes-lama (Puskesmas Jati)"
				return m
			}(),
			subject: "Permohonan subdomain dinkes.kuduskab.go.id dikembalikan / Your subdomain request was returned",
			bodyHas: []string{
				"karena nama tersebut tidak dapat digunakan:\n\n  dinkes.kuduskab.go.id sudah lebih dahulu dimohon melalui permohonan dinkes-lama (Puskesmas Jati)\n\nSilakan pilih nama lain",
				"English: the name dinkes.kuduskab.go.id cannot be used (dinkes.kuduskab.go.id was requested earlier by request dinkes-lama (Puskesmas Jati));",
			},
			bodyHasNot: []string{"  dinkes.kuduskab.go.id was requested earlier"},
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

// readMail parses a rendered mail: its headers, the subject decoded, and the text
// decoded from its transfer encoding.
func readMail(t *testing.T, raw []byte) (*netmail.Message, string, string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the rendered mail does not parse: %v\n%s", err, raw)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("Subject %q: %v", msg.Header.Get("Subject"), err)
	}
	body := msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(msg.Body)
	}
	text, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return msg, subject, strings.ReplaceAll(string(text), "\r\n", "\n")
}

func TestSMTPRender(t *testing.T) {
	returned := message(EventReturned, "dinkes.kuduskab.go.id already has a record in the DNS zone: A 192.0.2.99")
	returned.ReasonIndonesian = "dinkes.kuduskab.go.id sudah memiliki record di zona DNS: A 192.0.2.99"
	returned.ID = "uid.returned.dinkes.subdomain-operator"
	tests := map[string]struct {
		smtp    SMTP
		msg     Message
		headers map[string]string
		bodyHas []string
	}{
		"ready, default display name": {
			smtp: SMTP{From: "diskominfo@kuduskab.go.id"},
			msg:  message(EventReady, ""),
			headers: map[string]string{
				"From":           `"Diskominfo Kabupaten Kudus" <diskominfo@kuduskab.go.id>`,
				"To":             `"Siti Aminah" <dinkes@kuduskab.go.id>`,
				"Subject":        "Subdomain dinkes.kuduskab.go.id sudah aktif / Your subdomain is ready",
				"Message-ID":     "<uid.ready.subdomain-operator@kuduskab.go.id>",
				"Date":           "Sat, 28 Nov 2026 08:00:00 +0000",
				"Auto-Submitted": "auto-generated",
				"MIME-Version":   "1.0",
			},
			bodyHas: []string{"Yth. Siti Aminah (Dinas Kesehatan),", "Alamat situs   : https://dinkes.kuduskab.go.id"},
		},
		"configured display name": {
			smtp:    SMTP{From: "noreply@kuduskab.go.id", FromName: "Layanan Hosting Diskominfo"},
			msg:     message(EventReady, ""),
			headers: map[string]string{"From": `"Layanan Hosting Diskominfo" <noreply@kuduskab.go.id>`, "Auto-Submitted": "auto-generated"},
		},
		"display name written in from": {
			smtp:    SMTP{From: "Diskominfo Kudus <diskominfo@kuduskab.go.id>"},
			msg:     message(EventReady, ""),
			headers: map[string]string{"From": `"Diskominfo Kudus" <diskominfo@kuduskab.go.id>`, "Message-ID": "<uid.ready.subdomain-operator@kuduskab.go.id>"},
		},
		"returned, the reason in both languages": {
			smtp: SMTP{From: "diskominfo@kuduskab.go.id"},
			msg:  returned,
			headers: map[string]string{
				"Subject":        "Permohonan subdomain dinkes.kuduskab.go.id dikembalikan / Your subdomain request was returned",
				"Message-ID":     "<uid.returned.dinkes.subdomain-operator@kuduskab.go.id>",
				"Auto-Submitted": "auto-generated",
			},
			bodyHas: []string{
				"tidak dapat digunakan:\n\n  dinkes.kuduskab.go.id sudah memiliki record di zona DNS: A 192.0.2.99\n",
				"English: the name dinkes.kuduskab.go.id cannot be used (dinkes.kuduskab.go.id already has a record in the DNS zone: A 192.0.2.99)",
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw, err := tc.smtp.render(tc.msg)
			if err != nil {
				t.Fatalf("render() = %v", err)
			}
			if strings.Contains(strings.ReplaceAll(string(raw), "\r\n", ""), "\n") {
				t.Errorf("rendered mail has bare LF line endings")
			}
			msg, subject, text := readMail(t, raw)
			for h, want := range tc.headers {
				got := msg.Header.Get(h)
				if h == "Subject" {
					got = subject
				}
				if got != want {
					t.Errorf("%s: %q, want %q", h, got, want)
				}
			}
			if ct := msg.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
				t.Errorf("Content-Type: %q", ct)
			}
			// The text is Body's, unchanged by the transfer encoding.
			if text != tc.msg.Body() {
				t.Errorf("text differs from Body():\n%s\nwant\n%s", text, tc.msg.Body())
			}
			for _, want := range tc.bodyHas {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
			// A repeat of the same message (a crash between sending and recording)
			// carries the same Message-ID.
			again, err := tc.smtp.render(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			msg2, _, _ := readMail(t, again)
			if msg2.Header.Get("Message-ID") != msg.Header.Get("Message-ID") {
				t.Errorf("Message-ID changed between two renderings: %q, %q", msg.Header.Get("Message-ID"), msg2.Header.Get("Message-ID"))
			}
		})
	}
}

func TestSMTPRenderRefusesABadSender(t *testing.T) {
	if _, err := (SMTP{From: "not an address"}).render(message(EventReady, "")); err == nil || !strings.Contains(err.Error(), `the sender address "not an address" is not a mail address`) {
		t.Fatalf("render() = %v", err)
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
