package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/notify"
)

func TestWebhookPostsSignedJSONThatTheReceiverCanVerify(t *testing.T) {
	secret := []byte("s3cret-共享")
	got := make(chan notify.Message, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("method %s, content type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if !notify.Verify(secret, body, r.Header.Get(notify.SignatureHeader)) {
			t.Errorf("signature %q does not verify over %s", r.Header.Get(notify.SignatureHeader), body)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if notify.Verify([]byte("other"), body, r.Header.Get(notify.SignatureHeader)) {
			t.Error("the signature verifies under another secret")
		}
		if r.Header.Get(notify.DeliveryHeader) != "42" {
			t.Errorf("delivery id %q, want 42", r.Header.Get(notify.DeliveryHeader))
		}
		var m notify.Message
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		got <- m
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	s := &notify.WebhookSender{Secret: secret, Timeout: 5 * time.Second}
	msg := notify.Message{ID: 42, To: srv.URL + "/hook", UnitID: 7, Subject: "【文明城市】新工单", Body: "新工单 AB23CD45EF 已派至本单位，请及时签收。",
		OrderCode: "AB23CD45EF", Kind: "dispatch"}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	m := <-got
	if m != msg {
		t.Fatalf("received %+v, want %+v", m, msg)
	}
}

func TestWebhookRefusalsAndSilenceAreErrors(t *testing.T) {
	slow := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
			return
		}
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	defer close(slow)
	s := &notify.WebhookSender{Secret: []byte("k"), Timeout: 200 * time.Millisecond}
	if err := s.Send(context.Background(), notify.Message{To: srv.URL + "/fail"}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("a 500 answer: err %v, want one naming the status", err)
	}
	start := time.Now()
	if err := s.Send(context.Background(), notify.Message{To: srv.URL + "/slow"}); err == nil {
		t.Error("a receiver that never answers: no error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	if err := s.Send(context.Background(), notify.Message{To: "ftp://example.invalid/x"}); err == nil {
		t.Error("a non-http URL was accepted")
	}
}
