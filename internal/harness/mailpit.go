package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Mailpit is a running mailpit: a real SMTP server whose inbox is read over HTTP.
type Mailpit struct {
	*Process
	SMTPPort int
	HTTPPort int
	dir      string
	bin      string
	settings mailpitSettings
}

type mailpitSettings struct {
	certFile, keyFile  string
	username, password string
}

// MailpitOption changes how StartMailpit runs mailpit.
type MailpitOption func(*mailpitSettings)

// MailpitSTARTTLS gives mailpit a certificate and key (PEM files): it offers STARTTLS
// and refuses every command but EHLO, NOOP, STARTTLS and QUIT before it
// (--smtp-require-starttls).
func MailpitSTARTTLS(certFile, keyFile string) MailpitOption {
	return func(s *mailpitSettings) { s.certFile, s.keyFile = certFile, keyFile }
}

// MailpitAuth makes mailpit accept mail only from this account (--smtp-auth-file);
// with MailpitSTARTTLS it takes AUTH only after STARTTLS. Mailpit v1.27.11 records a
// message's Username in its API only for AUTH LOGIN, so it also logs every login
// (--verbose: `[smtpd] allow PLAIN login:"name" from:...`) for a test to read.
func MailpitAuth(username, password string) MailpitOption {
	return func(s *mailpitSettings) { s.username, s.password = username, password }
}

// StartMailpit runs mailpit v1.27.11 from bin/ with its SMTP and HTTP ports on
// 127.0.0.1. A zero smtpPort picks a free one. Without options it speaks clear text
// and accepts any login, or none.
func StartMailpit(ctx context.Context, repoRoot, dir string, smtpPort int, opts ...MailpitOption) (*Mailpit, error) {
	bin, err := Binary(repoRoot, "mailpit")
	if err != nil {
		return nil, err
	}
	m := &Mailpit{dir: dir, bin: bin, SMTPPort: smtpPort}
	for _, o := range opts {
		o(&m.settings)
	}
	if m.SMTPPort == 0 {
		if m.SMTPPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if m.HTTPPort, err = FreePort(); err != nil {
		return nil, err
	}
	return m, m.start(ctx)
}

func (m *Mailpit) start(ctx context.Context) error {
	args := []string{
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), "--listen", fmt.Sprintf("127.0.0.1:%d", m.HTTPPort),
		"--disable-version-check", "--database", filepath.Join(m.dir, "mailpit.db")}
	if s := m.settings; s.username != "" {
		authFile := filepath.Join(m.dir, "mailpit-smtp-auth")
		if err := os.WriteFile(authFile, []byte(s.username+":"+s.password+"\n"), 0o600); err != nil {
			return err
		}
		args = append(args, "--smtp-auth-file", authFile, "--verbose")
	} else {
		args = append(args, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	}
	if s := m.settings; s.certFile != "" {
		args = append(args, "--smtp-tls-cert", s.certFile, "--smtp-tls-key", s.keyFile, "--smtp-require-starttls")
	}
	p, err := Start(m.dir, "mailpit", m.bin, args)
	if err != nil {
		return err
	}
	m.Process = p
	return WaitFor(ctx, p, 30*time.Second, "mailpit", func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(m.SMTPPort)), time.Second)
		if err != nil {
			return err
		}
		c.Close()
		_, err = m.Messages(ctx)
		return err
	})
}

// Restart starts a stopped mailpit again on the same ports.
func (m *Mailpit) Restart(ctx context.Context) error { return m.start(ctx) }

// Mail is one message in the inbox.
type Mail struct {
	ID      string
	Subject string
	To      []string
	Text    string
	// Username is the account the sender logged in with; empty when it did not.
	Username string
}

// Messages lists the inbox, newest first, with each message's text.
func (m *Mailpit) Messages(ctx context.Context) ([]Mail, error) {
	var list struct {
		Messages []struct {
			ID       string
			Subject  string
			To       []struct{ Address string }
			Username string
		} `json:"messages"`
	}
	if err := m.get(ctx, "/api/v1/messages?limit=500", &list); err != nil {
		return nil, err
	}
	var out []Mail
	for _, msg := range list.Messages {
		var full struct{ Text string }
		if err := m.get(ctx, "/api/v1/message/"+msg.ID, &full); err != nil {
			return nil, err
		}
		mail := Mail{ID: msg.ID, Subject: msg.Subject, Text: full.Text, Username: msg.Username}
		for _, t := range msg.To {
			mail.To = append(mail.To, t.Address)
		}
		out = append(out, mail)
	}
	return out, nil
}

// Headers are the headers of a message as it arrived (mailpit's
// /api/v1/message/{ID}/headers), by name.
func (m *Mailpit) Headers(ctx context.Context, id string) (map[string][]string, error) {
	var h map[string][]string
	return h, m.get(ctx, "/api/v1/message/"+id+"/headers", &h)
}

func (m *Mailpit) get(ctx context.Context, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", m.HTTPPort, path), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("mailpit %s answered %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
