package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
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
}

// StartMailpit runs mailpit v1.27.11 from bin/ with its SMTP and HTTP ports on
// 127.0.0.1. A zero smtpPort picks a free one.
func StartMailpit(ctx context.Context, repoRoot, dir string, smtpPort int) (*Mailpit, error) {
	bin, err := Binary(repoRoot, "mailpit")
	if err != nil {
		return nil, err
	}
	m := &Mailpit{dir: dir, bin: bin, SMTPPort: smtpPort}
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
	p, err := Start(m.dir, "mailpit", m.bin, []string{
		"--smtp", fmt.Sprintf("127.0.0.1:%d", m.SMTPPort), "--listen", fmt.Sprintf("127.0.0.1:%d", m.HTTPPort),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--disable-version-check",
		"--database", filepath.Join(m.dir, "mailpit.db")})
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
}

// Messages lists the inbox, newest first, with each message's text.
func (m *Mailpit) Messages(ctx context.Context) ([]Mail, error) {
	var list struct {
		Messages []struct {
			ID      string
			Subject string
			To      []struct{ Address string }
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
		mail := Mail{ID: msg.ID, Subject: msg.Subject, Text: full.Text}
		for _, t := range msg.To {
			mail.To = append(mail.To, t.Address)
		}
		out = append(out, mail)
	}
	return out, nil
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
