// Package notify tells the applicant what became of their request (step 6 of the
// SOP): an email over SMTP in Bahasa Indonesia with an English line, and an optional
// JSON POST to a webhook (for chat gateways).
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Event kinds.
const (
	EventReady    = "ready"
	EventReturned = "returned"
	EventRejected = "rejected"
)

// Message is one notification about one request.
type Message struct {
	Event       string    `json:"event"`
	Request     string    `json:"request"`
	Subdomain   string    `json:"subdomain"`
	FQDN        string    `json:"fqdn"`
	URL         string    `json:"url,omitempty"`
	Namespace   string    `json:"namespace,omitempty"`
	Group       string    `json:"group,omitempty"`
	Unit        string    `json:"unit"`
	ContactName string    `json:"contactName"`
	Email       string    `json:"email"`
	Letter      string    `json:"letter"`
	Reason      string    `json:"reason,omitempty"`
	Time        time.Time `json:"time"`
	// ID is stable for one request and event, so a mail client that sees the same
	// message twice (after a crash between sending and recording) shows it once.
	ID string `json:"id"`
}

// Subject is the mail's subject line.
func (m Message) Subject() string {
	switch m.Event {
	case EventReady:
		return fmt.Sprintf("Subdomain %s sudah aktif / Your subdomain is ready", m.FQDN)
	case EventReturned:
		return fmt.Sprintf("Permohonan subdomain %s dikembalikan / Your subdomain request was returned", m.FQDN)
	default:
		return fmt.Sprintf("Permohonan subdomain %s ditolak / Your subdomain request was rejected", m.FQDN)
	}
}

// Body is the mail's text: Indonesian first, then one English paragraph.
func (m Message) Body() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Yth. %s (%s),\n\n", m.ContactName, m.Unit)
	switch m.Event {
	case EventReady:
		fmt.Fprintf(&b, "Permohonan hosting dan subdomain Anda (surat nomor %s) telah disetujui dan situsnya sudah disiapkan.\n\n", m.Letter)
		fmt.Fprintf(&b, "  Alamat situs   : %s\n  Namespace      : %s\n  Grup pengelola : %s\n\n", m.URL, m.Namespace, m.Group)
		fmt.Fprintf(&b, "Anggota grup %s berhak men-deploy aplikasi di namespace %s. Situs awal berisi halaman sementara.\n", m.Group, m.Namespace)
		fmt.Fprintf(&b, "Untuk menggantinya, lepaskan Deployment web dari operator:\n  kubectl -n %s label deployment web hosting.kuduskab.go.id/request-\n", m.Namespace)
		b.WriteString("lalu deploy aplikasi Anda sendiri dengan nama Deployment web (label pod app.kubernetes.io/name=web, port bernama http).\n\n")
		fmt.Fprintf(&b, "English: your site %s is ready in namespace %s; members of %s may deploy there. To replace the starter site, remove the hosting.kuduskab.go.id/request label from Deployment web and deploy your own Deployment named web.\n", m.URL, m.Namespace, m.Group)
	case EventReturned:
		fmt.Fprintf(&b, "Permohonan subdomain %s (surat nomor %s) dikembalikan kepada Anda karena nama tersebut tidak dapat digunakan:\n\n  %s\n\n", m.FQDN, m.Letter, m.Reason)
		fmt.Fprintf(&b, "Silakan pilih nama lain: ubah spec.subdomain pada SubdomainRequest %s lalu kirim ulang (kubectl apply). Kepala Seksi TI dan Persandian akan memeriksanya kembali.\n\n", m.Request)
		fmt.Fprintf(&b, "English: the name %s cannot be used (%s); change spec.subdomain of SubdomainRequest %s and apply it again.\n", m.FQDN, m.Reason, m.Request)
	default:
		fmt.Fprintf(&b, "Permohonan subdomain %s (surat nomor %s) ditolak dengan alasan:\n\n  %s\n\nPermohonan yang ditolak tidak dapat diubah; silakan ajukan permohonan baru bila diperlukan.\n\n", m.FQDN, m.Letter, m.Reason)
		fmt.Fprintf(&b, "English: your request for %s was rejected: %s. A rejected request is final; file a new one if needed.\n", m.FQDN, m.Reason)
	}
	b.WriteString("\nSalam,\nDinas Komunikasi dan Informatika Kabupaten Kudus\n")
	return b.String()
}

// Sender delivers a message over one channel.
type Sender interface {
	// Channel names the channel in the status ("email", "webhook").
	Channel() string
	Send(ctx context.Context, m Message) error
}

// SMTP sends mail. Credentials are read from files (a mounted Secret) at each send,
// so a rotated Secret takes effect without a restart; they are never logged.
type SMTP struct {
	Host, From                 string
	Port                       int
	UsernameFile, PasswordFile string
	Timeout                    time.Duration
}

// Channel implements Sender.
func (s SMTP) Channel() string { return "email" }

// Send implements Sender.
func (s SMTP) Send(ctx context.Context, m Message) error {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connecting to the SMTP server %s: %w", addr, err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting the SMTP server %s: %w", addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("starting TLS with %s: %w", addr, err)
		}
	}
	if s.UsernameFile != "" {
		user, err1 := os.ReadFile(s.UsernameFile)
		pass, err2 := os.ReadFile(s.PasswordFile)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("reading the SMTP credentials from %s and %s", s.UsernameFile, s.PasswordFile)
		}
		if err := c.Auth(smtp.PlainAuth("", strings.TrimSpace(string(user)), strings.TrimSpace(string(pass)), s.Host)); err != nil {
			return fmt.Errorf("authenticating to %s as %s: %w", addr, strings.TrimSpace(string(user)), err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("SMTP MAIL FROM %s: %w", s.From, err)
	}
	if err := c.Rcpt(m.Email); err != nil {
		return fmt.Errorf("SMTP RCPT TO %s: %w", m.Email, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("SMTP DATA: %w", err)
	}
	if _, err := w.Write(s.render(m)); err != nil {
		return fmt.Errorf("writing the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("SMTP end of data: %w", err)
	}
	return c.Quit()
}

func (s SMTP) render(m Message) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\n", s.From)
	fmt.Fprintf(&b, "To: %s\r\n", mime.QEncoding.Encode("utf-8", m.ContactName)+" <"+m.Email+">")
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", m.Subject()))
	fmt.Fprintf(&b, "Date: %s\r\n", m.Time.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", m.ID, domainOf(s.From))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body(), "\n", "\r\n"))
	return b.Bytes()
}

func domainOf(addr string) string {
	if i := strings.LastIndex(addr, "@"); i >= 0 {
		return strings.Trim(addr[i+1:], "> ")
	}
	return "localhost"
}

// Webhook posts the message as JSON.
type Webhook struct {
	URL    string
	Client *http.Client
}

// Channel implements Sender.
func (w Webhook) Channel() string { return "webhook" }

// Send implements Sender.
func (w Webhook) Send(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", m.ID)
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL may carry a token: report the cause without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("posting to the webhook: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the webhook answered %s", resp.Status)
	}
	return nil
}
