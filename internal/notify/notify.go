// Package notify tells the applicant what became of their request (step 6 of the
// SOP): an email over SMTP in Bahasa Indonesia with an English line, and an optional
// JSON POST to a webhook (for chat gateways).
package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
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

	// ReasonIndonesian is Reason in Bahasa Indonesia, when the operator made the
	// reason (a taken name); the Indonesian text of the mail uses it. An official's
	// own reason for a rejection has none: it is shown as written. The webhook's
	// payload keeps to reason.
	ReasonIndonesian string `json:"-"`
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
		fmt.Fprintf(&b, "Permohonan subdomain %s (surat nomor %s) dikembalikan kepada Anda karena nama tersebut tidak dapat digunakan:\n\n  %s\n\n", m.FQDN, m.Letter, m.alasan())
		fmt.Fprintf(&b, "Silakan pilih nama lain: ubah spec.subdomain pada SubdomainRequest %s lalu kirim ulang (kubectl apply). Kepala Seksi TI dan Persandian akan memeriksanya kembali.\n\n", m.Request)
		fmt.Fprintf(&b, "English: the name %s cannot be used (%s); change spec.subdomain of SubdomainRequest %s and apply it again.\n", m.FQDN, m.Reason, m.Request)
	default:
		fmt.Fprintf(&b, "Permohonan subdomain %s (surat nomor %s) ditolak dengan alasan:\n\n  %s\n\nPermohonan yang ditolak tidak dapat diubah; silakan ajukan permohonan baru bila diperlukan.\n\n", m.FQDN, m.Letter, m.alasan())
		fmt.Fprintf(&b, "English: your request for %s was rejected: %s. A rejected request is final; file a new one if needed.\n", m.FQDN, m.Reason)
	}
	b.WriteString("\nSalam,\nDinas Komunikasi dan Informatika Kabupaten Kudus\n")
	return b.String()
}

// alasan is the reason for the Indonesian text.
func (m Message) alasan() string {
	if m.ReasonIndonesian != "" {
		return m.ReasonIndonesian
	}
	return m.Reason
}

// Sender delivers a message over one channel.
type Sender interface {
	// Channel names the channel in the status ("email", "webhook").
	Channel() string
	Send(ctx context.Context, m Message) error
}

// How the mail travels to the SMTP server.
const (
	// TLSStartTLS: plain connection upgraded with STARTTLS, the server's certificate
	// verified for Host; a server that does not offer STARTTLS gets nothing.
	TLSStartTLS = "starttls"
	// TLSImplicit: TLS from the first byte (submissions, port 465).
	TLSImplicit = "implicit"
	// TLSNone: clear text, for a local test server only.
	TLSNone = "none"
)

// DefaultFromName is the display name of the sender when none is configured.
const DefaultFromName = "Diskominfo Kabupaten Kudus"

// SMTP sends mail through github.com/wneessen/go-mail. Credentials and the CA file
// are read at each send, so a rotated Secret takes effect without a restart; the
// credentials are never logged.
type SMTP struct {
	Host, From string
	// FromName is the display name of From; empty takes the name in From, if any,
	// else DefaultFromName.
	FromName string
	Port     int
	// TLS is TLSStartTLS, TLSImplicit or TLSNone; empty is implicit on port 465 and
	// starttls on any other.
	TLS string
	// CAFile holds the PEM certificates the server's certificate must chain to,
	// instead of the system's roots (a private mail server).
	CAFile string
	// UsernameFile and PasswordFile, when set, hold the SMTP AUTH credentials
	// (PLAIN or LOGIN, whichever the server offers).
	UsernameFile, PasswordFile string
	Timeout                    time.Duration
}

// Channel implements Sender.
func (s SMTP) Channel() string { return "email" }

func (s SMTP) tlsMode() string {
	if s.TLS == "" && s.Port == 465 {
		return TLSImplicit
	}
	if s.TLS == "" {
		return TLSStartTLS
	}
	return s.TLS
}

// Send implements Sender.
func (s SMTP) Send(ctx context.Context, m Message) error {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	mode := s.tlsMode()
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	tlsConfig := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.CAFile != "" && mode != TLSNone {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return fmt.Errorf("reading the SMTP server's CA file: %w", err)
		}
		tlsConfig.RootCAs = x509.NewCertPool()
		if !tlsConfig.RootCAs.AppendCertsFromPEM(pem) {
			return fmt.Errorf("the SMTP server's CA file %s holds no PEM certificate", s.CAFile)
		}
	}
	// The dialer is ours so that a connection the library gives up on (no STARTTLS,
	// a refused certificate or login) is closed at once.
	var conn net.Conn
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		d := &net.Dialer{}
		var err error
		if mode == TLSImplicit {
			conn, err = (&tls.Dialer{NetDialer: d, Config: tlsConfig}).DialContext(ctx, network, address)
		} else {
			conn, err = d.DialContext(ctx, network, address)
		}
		return conn, err
	}
	opts := []mail.Option{mail.WithPort(s.Port), mail.WithTimeout(timeout), mail.WithTLSConfig(tlsConfig),
		mail.WithDialContextFunc(dial)}
	switch mode {
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		return fmt.Errorf("unknown SMTP TLS mode %q: use starttls, implicit or none", s.TLS)
	}
	if s.UsernameFile != "" {
		user, err1 := os.ReadFile(s.UsernameFile)
		pass, err2 := os.ReadFile(s.PasswordFile)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("reading the SMTP credentials from %s and %s", s.UsernameFile, s.PasswordFile)
		}
		opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(strings.TrimSpace(string(user))), mail.WithPassword(strings.TrimSpace(string(pass))))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return fmt.Errorf("setting up the SMTP client for %s: %w", addr, err)
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		if conn != nil {
			conn.Close()
		}
		if mode == TLSStartTLS && strings.Contains(err.Error(), "does not support STARTTLS") {
			err = errors.New("the server does not offer STARTTLS; nothing is sent in clear text (notification.smtp.tls is starttls)")
		}
		return fmt.Errorf("connecting to the SMTP server %s: %w", addr, err)
	}
	defer func() { _ = c.CloseWithSMTPClient(sc) }()
	if err := c.SendWithSMTPClient(sc, msg); err != nil {
		return fmt.Errorf("sending the mail to %s through %s: %w", m.Email, addr, err)
	}
	// The server took the message at the end of DATA: a failing QUIT does not make
	// it undelivered, and reporting it would only send it again.
	return nil
}

// sender is the From address and display name.
func (s SMTP) sender() (name, address string, err error) {
	a, err := netmail.ParseAddress(s.From)
	if err != nil {
		return "", "", fmt.Errorf("the sender address %q is not a mail address: %w", s.From, err)
	}
	name = s.FromName
	if name == "" {
		name = a.Name
	}
	if name == "" {
		name = DefaultFromName
	}
	return name, a.Address, nil
}

// message is the mail for m: the text of Body, the same Message-ID for the same
// request and event (so a repeat is dropped by the mail client), and
// Auto-Submitted so that no vacation reply comes back (RFC 3834).
func (s SMTP) message(m Message) (*mail.Msg, error) {
	name, from, err := s.sender()
	if err != nil {
		return nil, err
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(name, from); err != nil {
		return nil, fmt.Errorf("the sender %s <%s>: %w", name, from, err)
	}
	if err := msg.AddToFormat(m.ContactName, m.Email); err != nil {
		return nil, fmt.Errorf("the applicant's address %q: %w", m.Email, err)
	}
	msg.Subject(m.Subject())
	msg.SetDateWithValue(m.Time)
	msg.SetMessageIDWithValue(m.ID + "@" + domainOf(from))
	msg.SetGenHeader(HeaderAutoSubmitted, "auto-generated")
	msg.SetBodyString(mail.TypeTextPlain, m.Body())
	return msg, nil
}

// HeaderAutoSubmitted marks the mail as sent by a program (RFC 3834).
const HeaderAutoSubmitted mail.Header = "Auto-Submitted"

// render is the mail as it goes over the wire.
func (s SMTP) render(m Message) ([]byte, error) {
	msg, err := s.message(m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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
