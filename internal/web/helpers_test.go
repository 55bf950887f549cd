package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/metrics"
	"github.com/wenming-city/wenming/internal/workorder"
)

// TestAnswersCarryTheServersTimeBeforeTheirHeaders proves every answer,
// whether the handler sets a status or only writes, tells the client in
// Server-Timing how long the server worked before the headers went out.
func TestAnswersCarryTheServersTimeBeforeTheirHeaders(t *testing.T) {
	s := &Server{mux: http.NewServeMux(), metrics: metrics.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s.mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	s.mux.HandleFunc("GET /write", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	for _, path := range []string{"/status", "/write"} {
		rec := httptest.NewRecorder()
		s.observe(s.mux).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		h := rec.Header().Get("Server-Timing")
		dur, ok := strings.CutPrefix(h, "app;dur=")
		if !ok {
			t.Fatalf("%s: Server-Timing %q", path, h)
		}
		ms, err := strconv.ParseFloat(dur, 64)
		if err != nil || ms < 0 {
			t.Fatalf("%s: Server-Timing %q is not a duration in ms", path, h)
		}
	}
}

// TestOptionsRenderLikeTheTemplateAndEscape proves View.Options writes the
// markup the template wrote per option, marks every submitted value
// selected, and escapes values and labels.
func TestOptionsRenderLikeTheTemplateAndEscape(t *testing.T) {
	v := &View{Form: map[string][]string{"unit": {"2", "3"}}}
	got := string(v.Options("unit", []choice{{Value: "1", Label: "市城管局"}, {Value: "2", Label: `A&B "<x>"`}, {Value: "3", Label: "三"}}))
	want := `<option value="1">市城管局</option><option value="2" selected>A&amp;B &#34;&lt;x&gt;&#34;</option><option value="3" selected>三</option>`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := string(v.Options("state", []option{{`"><script>`, "x"}})); got != `<option value="&#34;&gt;&lt;script&gt;">x</option>` {
		t.Fatalf("value not escaped: %s", got)
	}
}

// TestStateBadgesMarkDoneAndSentBackStates covers every state: done states
// are green, refused or sent-back ones red, the rest plain.
func TestStateBadgesMarkDoneAndSentBackStates(t *testing.T) {
	want := map[workorder.State]string{
		workorder.StateClosed: " badge-ok", workorder.StateAnsweredAtIntake: " badge-ok",
		workorder.StateRejected: " badge-off", workorder.StateReopened: " badge-off", workorder.StateReturned: " badge-off",
	}
	for _, st := range workorder.States {
		if got := stateBadge(st); got != want[st] {
			t.Errorf("%s: %q, want %q", st, got, want[st])
		}
	}
}
