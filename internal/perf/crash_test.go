package perf

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// TestReportsSurviveSIGKILL is the crash test: the intake load
// against a real server process that is killed with SIGKILL mid-run; after
// a restart every tracking code that got a 201 exists, and the database
// passes SQLite's integrity check.
func TestReportsSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills a server process")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "wenming")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/wenming-city/wenming/cmd/wenming").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	ctx := context.Background()
	srv, err := StartServer(ctx, bin, data, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Kill()
	cats, err := PublicCategories(ctx, srv.Base)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var codes []string
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	done := make(chan Load, 1)
	go func() {
		done <- Drive(loadCtx, LoadConfig{URL: srv.Base + ReportsPath, Bodies: ReportBodies(cats, 2048, 42), Clients: 32,
			Duration: 20 * time.Second, Requests: 1_000_000, Created: func(body []byte) {
				var s struct {
					Code string `json:"code"`
				}
				if err := json.Unmarshal(body, &s); err != nil || s.Code == "" {
					t.Errorf("201 without a code: %s", body)
					return
				}
				mu.Lock()
				codes = append(codes, s.Code)
				mu.Unlock()
			}})
	}()
	// Kill it once reports are flowing, with requests in flight.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(codes)
		mu.Unlock()
		if n >= 300 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d reports created in 15 s", n)
		}
	}
	srv.Kill()
	time.Sleep(200 * time.Millisecond) // the clients see the dead server
	stopLoad()
	l := <-done
	mu.Lock()
	acked := append([]string(nil), codes...)
	mu.Unlock()
	if l.Errors == 0 {
		t.Log("no request failed: the kill fell between requests")
	}
	t.Logf("%d reports acknowledged with 201 before SIGKILL, %d requests failed", len(acked), l.Errors)

	// Restart on the same folder: it must come up and serve the reports.
	srv2, err := StartServer(ctx, bin, data, time.Minute, nil)
	if err != nil {
		t.Fatalf("restart after SIGKILL: %v", err)
	}
	for i := 0; i < len(acked); i += max(1, len(acked)/25) {
		res, err := http.Get(srv2.Base + ReportsPath + "/" + acked[i])
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET report %s after restart: HTTP %d", acked[i], res.StatusCode)
		}
	}
	srv2.Stop()

	// Every acknowledged code, straight from the database.
	d, err := db.Open(ctx, filepath.Join(data, "wenming.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	err = d.Read(ctx, func(tx *db.Tx) error {
		for i := 0; i < len(acked); i += 500 {
			chunk := acked[i:min(i+500, len(acked))]
			args := make([]any, len(chunk))
			for k, c := range chunk {
				args[k] = c
			}
			n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorders WHERE code IN ("+db.Placeholders(len(chunk))+")", args...)
			if err != nil {
				return err
			}
			if n != int64(len(chunk)) {
				t.Errorf("%d of %d acknowledged codes lost", int64(len(chunk))-n, len(chunk))
			}
		}
		total, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorders")
		if err != nil {
			return err
		}
		t.Logf("%d orders stored (acknowledged %d; the rest committed as the server died)", total, len(acked))
		var check string
		if err := tx.Get(ctx, "", "PRAGMA integrity_check", nil, &check); err != nil {
			return err
		}
		if check != "ok" {
			t.Errorf("integrity_check: %s", check)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
