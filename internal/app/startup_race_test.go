package app_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// TestTwoProcessesStartedTogetherOnAnEmptyPostgresBothComeUp is issue 9's
// start-up race: two real server processes started at the same moment on one
// new PostgreSQL schema both reach "serving" (first admin, roles, categories
// and job rows are seeded once, under the migration lock), several times over
// and in demo mode too, and the schema ends with one admin.
func TestTwoProcessesStartedTogetherOnAnEmptyPostgresBothComeUp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts server processes")
	}
	if dbtest.PostgresURL(t) == "" {
		t.Skip("PostgreSQL not available")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "wenming")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/wenming-city/wenming/cmd/wenming").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for round, demo := range []bool{false, false, false, true} {
		dsn := dbtest.DSN(t, db.Postgres)
		errc := make(chan error, 2)
		for i := range 2 {
			go func() {
				errc <- startAndStop(bin, dsn, filepath.Join(dir, fmt.Sprintf("r%d-%d", round, i)), demo)
			}()
		}
		for range 2 {
			if err := <-errc; err != nil {
				t.Fatalf("round %d (demo %v): %v", round, demo, err)
			}
		}
		if !demo {
			d, err := db.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			var n int64
			err = d.Read(context.Background(), func(tx *db.Tx) (err error) {
				n, err = tx.Count(context.Background(), "SELECT COUNT(*) FROM users WHERE username = 'admin'")
				return err
			})
			d.Close()
			if err != nil || n != 1 {
				t.Fatalf("round %d: %d admins (%v), want 1", round, n, err)
			}
		}
	}
}

// startAndStop runs `wenming serve` on dsn until it logs that it is serving,
// then interrupts it; an exit before that is the error, with its log.
func startAndStop(bin, dsn, data string, demo bool) error {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--db", dsn}
	if demo {
		args = append(args, "--demo")
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "WENMING_ADMIN_PASSWORD=Startup-Race-2026x")
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	var log strings.Builder
	serving := false
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "wenming is serving") {
			serving = true
			break
		}
	}
	if !serving {
		err := cmd.Wait()
		return fmt.Errorf("exited before serving (%v):\n%s", err, log.String())
	}
	go io.Copy(io.Discard, stderr)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("stop: %v\n%s", err, log.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		return fmt.Errorf("did not stop within 30 s")
	}
	return nil
}
