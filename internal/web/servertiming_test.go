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
