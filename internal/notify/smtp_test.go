package notify

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kudus-diskominfo/subdomain-operator/internal/harness"
)

// fakeSMTP is a small SMTP server in the test's process: enough of RFC 5321, 3207
// (STARTTLS) and 4954 (AUTH PLAIN and LOGIN) to see what the client does.
type fakeSMTP struct {
	ln       net.Listener
	tls      *tls.Config // nil: the server has no TLS at all
	implicit bool        // TLS from the first byte
	mechs    []string    // AUTH mechanisms offered (after TLS, when it has TLS)
	user     string      // the one account
	pass     string

	mu       sync.Mutex
	sessions []*fakeSession
}

type fakeSession struct {
	tls        bool
	mech, user string
	password   string
	authed     bool
	commands   []string
	data       string
}

func startFakeSMTP(t *testing.T, f *fakeSMTP) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func (f *fakeSMTP) last() *fakeSession {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.sessions) == 0 {
		return nil
	}
	return f.sessions[len(f.sessions)-1]
}

func (f *fakeSMTP) delivered() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.sessions {
		if s.data != "" {
			out = append(out, s.data)
		}
	}
	return out
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	s := &fakeSession{}
	f.mu.Lock()
	f.sessions = append(f.sessions, s)
	f.mu.Unlock()
	if f.implicit {
		tc := tls.Server(conn, f.tls)
		if tc.Handshake() != nil {
			return
		}
		conn, s.tls = tc, true
	}
	r := bufio.NewReader(conn)
	reply := func(format string, args ...any) { fmt.Fprintf(conn, format+"\r\n", args...) }
	readLine := func() (string, bool) {
		l, err := r.ReadString('\n')
		return strings.TrimRight(l, "\r\n"), err == nil
	}
	decode := func(s string) string {
		b, _ := base64.StdEncoding.DecodeString(s)
		return string(b)
	}
	reply("220 fake.test ESMTP")
	for {
		line, ok := readLine()
		if !ok {
			return
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			reply("500 empty command")
			continue
		}
		cmd := strings.ToUpper(fields[0])
		f.mu.Lock()
		s.commands = append(s.commands, cmd)
		f.mu.Unlock()
		switch cmd {
		case "EHLO", "HELO":
			ext := []string{"fake.test"}
			if f.tls != nil && !s.tls {
				ext = append(ext, "STARTTLS")
			}
			if len(f.mechs) > 0 && (s.tls || f.tls == nil) {
				ext = append(ext, "AUTH "+strings.Join(f.mechs, " "))
			}
			ext = append(ext, "8BITMIME")
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "STARTTLS":
			if f.tls == nil || s.tls {
				reply("502 5.5.1 not offered")
				continue
			}
			reply("220 2.0.0 Ready to start TLS")
			tc := tls.Server(conn, f.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, r, s.tls = tc, bufio.NewReader(tc), true
		case "AUTH":
			var user, pass string
			switch mech := strings.ToUpper(fields[1]); mech {
			case "PLAIN":
				resp := ""
				if len(fields) > 2 {
					resp = fields[2]
				} else {
					reply("334 ")
					resp, _ = readLine()
				}
				if parts := strings.Split(decode(resp), "\x00"); len(parts) == 3 {
					user, pass = parts[1], parts[2]
				}
			case "LOGIN":
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Username:")))
				u, _ := readLine()
				reply("334 " + base64.StdEncoding.EncodeToString([]byte("Password:")))
				p, _ := readLine()
				user, pass = decode(u), decode(p)
			}
			f.mu.Lock()
			s.mech, s.user, s.password = strings.ToUpper(fields[1]), user, pass
			s.authed = user == f.user && pass == f.pass
			f.mu.Unlock()
			if s.authed {
				reply("235 2.7.0 Authentication successful")
			} else {
				reply("535 5.7.8 Authentication credentials invalid")
			}
		case "MAIL":
			if len(f.mechs) > 0 && !s.authed {
				reply("530 5.7.0 Authentication required")
				continue
			}
			reply("250 2.1.0 OK")
		case "RCPT", "RSET", "NOOP":
			reply("250 2.0.0 OK")
		case "DATA":
			reply("354 End data with <CR><LF>.<CR><LF>")
			var b strings.Builder
			for {
				l, ok := readLine()
				if !ok {
					return
				}
				if l == "." {
					break
				}
				b.WriteString(strings.TrimPrefix(l, ".") + "\n")
			}
			f.mu.Lock()
			s.data = b.String()
			f.mu.Unlock()
			reply("250 2.0.0 OK queued")
		case "QUIT":
			reply("221 2.0.0 Bye")
			return
		default:
			reply("502 5.5.2 command not recognized")
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func serverTLS(t *testing.T, ca harness.TestCA) *tls.Config {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(ca.CertFile, ca.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// TestSMTPSend sends one mail to a server of each kind the configuration allows
// for, and to servers it must refuse.
func TestSMTPSend(t *testing.T) {
	dir := t.TempDir()
	ca, err := harness.WriteTestCA(filepath.Join(dir, "ca"), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := harness.WriteTestCA(filepath.Join(dir, "other"), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	wrongHost, err := harness.WriteTestCA(filepath.Join(dir, "wrong-host"), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	const password = "rahasia-sekali"
	userFile := writeFile(t, dir, "username", "kominfo\n")
	passFile := writeFile(t, dir, "password", password+"\n")

	tests := map[string]struct {
		server *fakeSMTP
		smtp   SMTP
		// wantErr is a part of the error; empty: the mail is delivered.
		wantErr  string
		wantTLS  bool
		wantMech string
	}{
		"starttls, the private CA, AUTH PLAIN": {
			server:   &fakeSMTP{tls: serverTLS(t, ca), mechs: []string{"PLAIN", "LOGIN"}, user: "kominfo", pass: password},
			smtp:     SMTP{CAFile: ca.CAFile, UsernameFile: userFile, PasswordFile: passFile},
			wantTLS:  true,
			wantMech: "PLAIN",
		},
		"starttls by default, AUTH LOGIN when it is all the server offers": {
			server:   &fakeSMTP{tls: serverTLS(t, ca), mechs: []string{"LOGIN"}, user: "kominfo", pass: password},
			smtp:     SMTP{TLS: TLSStartTLS, CAFile: ca.CAFile, UsernameFile: userFile, PasswordFile: passFile},
			wantTLS:  true,
			wantMech: "LOGIN",
		},
		"implicit TLS": {
			server:   &fakeSMTP{tls: serverTLS(t, ca), implicit: true, mechs: []string{"PLAIN"}, user: "kominfo", pass: password},
			smtp:     SMTP{TLS: TLSImplicit, CAFile: ca.CAFile, UsernameFile: userFile, PasswordFile: passFile},
			wantTLS:  true,
			wantMech: "PLAIN",
		},
		"none: clear text to a local test server": {
			server: &fakeSMTP{},
			smtp:   SMTP{TLS: TLSNone},
		},
		"starttls refuses a server that does not offer it": {
			server:  &fakeSMTP{mechs: []string{"PLAIN", "LOGIN"}, user: "kominfo", pass: password},
			smtp:    SMTP{UsernameFile: userFile, PasswordFile: passFile},
			wantErr: "the server does not offer STARTTLS; nothing is sent in clear text",
		},
		"a certificate from another CA": {
			server:  &fakeSMTP{tls: serverTLS(t, otherCA), mechs: []string{"PLAIN"}, user: "kominfo", pass: password},
			smtp:    SMTP{CAFile: ca.CAFile, UsernameFile: userFile, PasswordFile: passFile},
			wantErr: "certificate signed by unknown authority",
		},
		"the system roots do not know a private CA": {
			server:  &fakeSMTP{tls: serverTLS(t, ca)},
			smtp:    SMTP{},
			wantErr: "certificate signed by unknown authority",
		},
		"a certificate for another host name": {
			server:  &fakeSMTP{tls: serverTLS(t, wrongHost), implicit: true},
			smtp:    SMTP{TLS: TLSImplicit, CAFile: wrongHost.CAFile},
			wantErr: "certificate is valid for 192.0.2.1, not 127.0.0.1",
		},
		"a refused login": {
			server:  &fakeSMTP{tls: serverTLS(t, ca), mechs: []string{"PLAIN"}, user: "kominfo", pass: "another password"},
			smtp:    SMTP{CAFile: ca.CAFile, UsernameFile: userFile, PasswordFile: passFile},
			wantErr: "SMTP AUTH failed: 535",
		},
		"a CA file without a certificate": {
			server:  &fakeSMTP{tls: serverTLS(t, ca)},
			smtp:    SMTP{CAFile: userFile},
			wantErr: "holds no PEM certificate",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := tc.server
			port := startFakeSMTP(t, srv)
			s := tc.smtp
			s.Host, s.Port, s.From, s.Timeout = "127.0.0.1", port, "diskominfo@kuduskab.go.id", 5*time.Second
			err := s.Send(context.Background(), message(EventReady, ""))
			if err != nil && strings.Contains(err.Error(), password) {
				t.Errorf("the error shows the password: %v", err)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Send() = %v, want an error with %q", err, tc.wantErr)
				}
				if got := srv.delivered(); len(got) != 0 {
					t.Fatalf("a refused send delivered %q", got)
				}
				if sess := srv.last(); sess != nil {
					for _, c := range sess.commands {
						if c == "MAIL" || c == "DATA" || (c == "AUTH" && !sess.tls) {
							t.Errorf("the client went on to %s after it should have stopped: %v", c, sess.commands)
						}
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Send() = %v", err)
			}
			got := srv.delivered()
			if len(got) != 1 {
				t.Fatalf("delivered %d mails, want 1", len(got))
			}
			sess := srv.last()
			if sess.tls != tc.wantTLS {
				t.Errorf("session over TLS = %v, want %v (commands %v)", sess.tls, tc.wantTLS, sess.commands)
			}
			if sess.mech != tc.wantMech {
				t.Errorf("AUTH mechanism = %q, want %q", sess.mech, tc.wantMech)
			}
			if tc.wantMech != "" && (sess.user != "kominfo" || sess.password != password) {
				t.Errorf("logged in as %q with %q", sess.user, sess.password)
			}
			for _, want := range []string{"Auto-Submitted: auto-generated\n", "From: \"Diskominfo Kabupaten Kudus\" <diskominfo@kuduskab.go.id>\n",
				"Message-ID: <uid.ready.subdomain-operator@kuduskab.go.id>\n"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("the mail lacks %q:\n%s", want, got[0])
				}
			}
		})
	}
}

// TestSMTPReadsCredentialsAtEachSend: a rotated Secret is used at the next send,
// without a restart.
func TestSMTPReadsCredentialsAtEachSend(t *testing.T) {
	dir := t.TempDir()
	ca, err := harness.WriteTestCA(filepath.Join(dir, "ca"), "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fakeSMTP{tls: serverTLS(t, ca), mechs: []string{"PLAIN"}, user: "kominfo", pass: "lama"}
	port := startFakeSMTP(t, srv)
	s := SMTP{Host: "127.0.0.1", Port: port, From: "diskominfo@kuduskab.go.id", CAFile: ca.CAFile,
		UsernameFile: writeFile(t, dir, "username", "kominfo"), PasswordFile: writeFile(t, dir, "password", "lama")}
	if err := s.Send(context.Background(), message(EventReady, "")); err != nil {
		t.Fatalf("first Send() = %v", err)
	}
	srv.mu.Lock()
	srv.pass = "baru"
	srv.mu.Unlock()
	writeFile(t, dir, "password", "baru")
	if err := s.Send(context.Background(), message(EventReady, "")); err != nil {
		t.Fatalf("Send() after the rotation = %v", err)
	}
	if n := len(srv.delivered()); n != 2 {
		t.Fatalf("delivered %d mails, want 2", n)
	}
}
