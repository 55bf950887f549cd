package notify_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/notify"
)

// smtpServer is a tiny SMTP server on 127.0.0.1 for one test: EHLO, an
// optional STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA and QUIT.
type smtpServer struct {
	t        *testing.T
	ln       net.Listener
	user     string
	password string
	tls      *tls.Config // nil: no STARTTLS offered

	mu       sync.Mutex
	commands []string
	authed   bool
	usedTLS  bool
	from     string
	rcpt     []string
	data     string
	done     chan struct{}
}

func startSMTP(t *testing.T, user, password string, tlsCfg *tls.Config) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, ln: ln, user: user, password: password, tls: tlsCfg, done: make(chan struct{})}
	t.Cleanup(func() { ln.Close() })
	go s.serve()
	return s
}

func (s *smtpServer) serve() {
	defer close(s.done)
	c, err := s.ln.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test.local ESMTP ready")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.mu.Lock()
		s.commands = append(s.commands, verb)
		s.mu.Unlock()
		switch verb {
		case "EHLO", "HELO":
			tp.PrintfLine("250-test.local")
			if s.tls != nil {
				if _, ok := c.(*tls.Conn); !ok {
					tp.PrintfLine("250-STARTTLS")
				}
			}
			tp.PrintfLine("250-AUTH PLAIN")
			tp.PrintfLine("250 8BITMIME")
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(c, s.tls)
			if err := tc.Handshake(); err != nil {
				s.t.Errorf("TLS handshake: %v", err)
				return
			}
			c = tc
			tp = textproto.NewConn(c)
			s.mu.Lock()
			s.usedTLS = true
			s.mu.Unlock()
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				tp.PrintfLine("504 unknown mechanism")
				continue
			}
			if resp == "" {
				tp.PrintfLine("334 ")
				if resp, err = tp.ReadLine(); err != nil {
					return
				}
			}
			raw, _ := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if len(parts) == 3 && parts[1] == s.user && parts[2] == s.password {
				s.mu.Lock()
				s.authed = true
				s.mu.Unlock()
				tp.PrintfLine("235 2.7.0 authenticated")
			} else {
				tp.PrintfLine("535 5.7.8 bad credentials")
			}
		case "MAIL":
			if s.user != "" && !s.authed {
				tp.PrintfLine("530 authentication required")
				continue
			}
			s.mu.Lock()
			s.from = arg
			s.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "RCPT":
			s.mu.Lock()
			s.rcpt = append(s.rcpt, arg)
			s.mu.Unlock()
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 end with .")
			b, err := io.ReadAll(tp.DotReader())
			if err != nil {
				return
			}
			s.mu.Lock()
			s.data = string(b)
			s.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

func (s *smtpServer) wait(t *testing.T) {
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the SMTP conversation did not end")
	}
}

// checkMail parses what the server received and checks the headers and
// that the body decodes to the Chinese text.
func checkMail(t *testing.T, data string, msg notify.Message) {
	t.Helper()
	m, err := mail.ReadMessage(bufio.NewReader(strings.NewReader(data)))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, data)
	}
	var dec mime.WordDecoder
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != msg.Subject {
		t.Errorf("subject %q (raw %q, err %v), want %q", subject, m.Header.Get("Subject"), err, msg.Subject)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?b?") && !strings.HasPrefix(raw, "=?utf-8?b?") {
		t.Errorf("subject not RFC 2047 encoded: %q", raw)
	}
	from, err := mail.ParseAddress(m.Header.Get("From"))
	if err != nil || from.Address != "noreply@wenming.example.gov.cn" || from.Name != "文明办" {
		t.Errorf("From %q: %+v %v", m.Header.Get("From"), from, err)
	}
	if to := m.Header.Get("To"); to != "<zgq@example.gov.cn>" {
		t.Errorf("To %q", to)
	}
	if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if m.Header.Get("Date") == "" || m.Header.Get("Message-ID") == "" || m.Header.Get("MIME-Version") != "1.0" {
		t.Errorf("headers %v", m.Header)
	}
	if m.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Fatalf("transfer encoding %q", m.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, m.Body))
	if err != nil || string(body) != msg.Body {
		t.Errorf("body %q (err %v), want %q", body, err, msg.Body)
	}
	for _, line := range strings.Split(data, "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d octets", len(line))
		}
	}
}

var mailMsg = notify.Message{ID: 9, To: "zgq@example.gov.cn", Subject: "【文明城市】工单 AB23CD45EF 已超过办理时限，已督办。",
	Body: strings.Repeat("工单 AB23CD45EF 已超过办理时限，已督办。请抓紧办理。\n", 5) + "\n工单编号：AB23CD45EF", OrderCode: "AB23CD45EF", Kind: "overdue"}

func TestSMTPSendsAuthenticatedUTF8MailToALocalServer(t *testing.T) {
	srv := startSMTP(t, "notifier", "pa55 word", nil)
	s := &notify.SMTPSender{Addr: srv.ln.Addr().String(), User: "notifier", Password: "pa55 word",
		From: "文明办 <noreply@wenming.example.gov.cn>", Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), mailMsg); err != nil {
		t.Fatal(err)
	}
	srv.wait(t)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if want := []string{"EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"}; strings.Join(srv.commands, " ") != strings.Join(want, " ") {
		t.Errorf("commands %v, want %v", srv.commands, want)
	}
	if !srv.authed || srv.usedTLS {
		t.Errorf("authed %v, TLS %v", srv.authed, srv.usedTLS)
	}
	if !strings.Contains(srv.from, "<noreply@wenming.example.gov.cn>") || len(srv.rcpt) != 1 || !strings.Contains(srv.rcpt[0], "<zgq@example.gov.cn>") {
		t.Errorf("envelope from %q to %v", srv.from, srv.rcpt)
	}
	checkMail(t, srv.data, mailMsg)
}

func TestSMTPUpgradesWithSTARTTLSWhenOffered(t *testing.T) {
	// Borrow httptest's certificate for 127.0.0.1.
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	cert := hs.TLS.Certificates[0]
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	hs.Close()
	srv := startSMTP(t, "notifier", "pw", &tls.Config{Certificates: []tls.Certificate{cert}})
	s := &notify.SMTPSender{Addr: srv.ln.Addr().String(), User: "notifier", Password: "pw",
		From: "文明办 <noreply@wenming.example.gov.cn>", Timeout: 5 * time.Second,
		TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}}
	if err := s.Send(context.Background(), mailMsg); err != nil {
		t.Fatal(err)
	}
	srv.wait(t)
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if !srv.usedTLS || !srv.authed {
		t.Fatalf("TLS %v, authed %v; commands %v", srv.usedTLS, srv.authed, srv.commands)
	}
	if want := "EHLO STARTTLS EHLO AUTH MAIL RCPT DATA QUIT"; strings.Join(srv.commands, " ") != want {
		t.Errorf("commands %v, want %s", srv.commands, want)
	}
	checkMail(t, srv.data, mailMsg)
}

func TestSMTPWrongPasswordIsAnError(t *testing.T) {
	srv := startSMTP(t, "notifier", "right", nil)
	s := &notify.SMTPSender{Addr: srv.ln.Addr().String(), User: "notifier", Password: "wrong",
		From: "noreply@wenming.example.gov.cn", Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), mailMsg); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("err %v, want an AUTH error", err)
	}
}
