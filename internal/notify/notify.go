// Package notify delivers notifications outside the application: to a
// webhook (JSON, signed with HMAC-SHA256) or by e-mail (SMTP). Messages are
// rows of an outbox written in the same transaction as the event that
// causes them (so no event is notified that did not happen, and none that
// happened is lost); a job claims due rows, sends them and marks them sent,
// or retries with backoff and gives up after a number of attempts.
//
// Delivery is at least once: a receiver may see a message twice (an
// instance that dies after sending and before marking) and can tell by
// Message.ID.
package notify

import (
	"context"
	"errors"
	"os"
	"time"
)

// Channel kinds: where a message goes.
const (
	KindWebhook = "webhook"
	KindEmail   = "email"
)

// Message is one notification to deliver.
type Message struct {
	ID        int64  `json:"id"`         // the outbox row; the same on a retry
	To        string `json:"to"`         // the address: webhook URL or e-mail address
	UnitID    int64  `json:"unit_id"`    // the unit notified, 0 when none
	UserID    int64  `json:"user_id"`    // the user notified, 0 when none
	Subject   string `json:"subject"`    // one line
	Body      string `json:"body"`       // plain text
	OrderCode string `json:"order_code"` // the work order it is about, "" when none
	Kind      string `json:"kind"`       // what happened (dispatch, overdue, escalated, …)
}

// Sender delivers one message. It does not retry; the outbox does.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// ErrNotConfigured is returned when a message's channel has no sender.
var ErrNotConfigured = errors.New("notify: no sender configured for this channel")

// Config is the delivery configuration of an instance.
type Config struct {
	SMTPAddr     string // host:port of the mail server ("" = no e-mail)
	SMTPUser     string // "" = no AUTH
	SMTPPassword string
	SMTPFrom     string // the From address
	// WebhookSecret signs every webhook body ("" = no webhooks: an unsigned
	// call could not be told from a forged one).
	WebhookSecret string
	Timeout       time.Duration // per message (default 10 s)
}

// ConfigFromEnv reads WENMING_SMTP_ADDR, WENMING_SMTP_USER,
// WENMING_SMTP_PASSWORD, WENMING_SMTP_FROM and WENMING_WEBHOOK_SECRET.
func ConfigFromEnv() Config {
	return Config{
		SMTPAddr:      os.Getenv("WENMING_SMTP_ADDR"),
		SMTPUser:      os.Getenv("WENMING_SMTP_USER"),
		SMTPPassword:  os.Getenv("WENMING_SMTP_PASSWORD"),
		SMTPFrom:      os.Getenv("WENMING_SMTP_FROM"),
		WebhookSecret: os.Getenv("WENMING_WEBHOOK_SECRET"),
	}
}

// Senders builds the senders the configuration allows, by channel kind.
func (c Config) Senders() map[string]Sender {
	out := map[string]Sender{}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if c.WebhookSecret != "" {
		out[KindWebhook] = &WebhookSender{Secret: []byte(c.WebhookSecret), Timeout: timeout}
	}
	if c.SMTPAddr != "" && c.SMTPFrom != "" {
		out[KindEmail] = &SMTPSender{Addr: c.SMTPAddr, User: c.SMTPUser, Password: c.SMTPPassword, From: c.SMTPFrom, Timeout: timeout}
	}
	return out
}
