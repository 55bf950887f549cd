package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"time"
)

// PocketBase for comparison (IntakeConfig.PocketBase): a fresh PocketBase
// (v0.23 or later) on a scratch folder with one collection "reports"
// holding the report's fields, an index on its creation time and a public
// create rule, loaded with the same JSON bodies at
// /api/collections/reports/records (the photo-carrying bodies are left
// out: the collection has no file field). Not verified on this project's
// machines, which have no PocketBase binary (docs/PERFORMANCE.md).

type pocketBase struct {
	cmd  *exec.Cmd
	URL  string // the records endpoint
	data string
}

func startPocketBase(ctx context.Context, bin string, wait time.Duration) (*pocketBase, error) {
	data, err := os.MkdirTemp("", "wenming-pb-")
	if err != nil {
		return nil, err
	}
	const email, pass = "bench@example.com", "bench-password-123"
	if out, err := exec.CommandContext(ctx, bin, "superuser", "upsert", email, pass, "--dir", data).CombinedOutput(); err != nil {
		os.RemoveAll(data)
		return nil, fmt.Errorf("pocketbase superuser upsert: %v: %s", err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		os.RemoveAll(data)
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--http", addr, "--dir", data)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		os.RemoveAll(data)
		return nil, err
	}
	pb := &pocketBase{cmd: cmd, data: data}
	base := "http://" + addr
	fail := func(err error) (*pocketBase, error) { pb.Stop(); return nil, err }
	deadline := time.Now().Add(wait)
	for {
		res, err := http.Get(base + "/api/health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("pocketbase did not start within %s", wait))
		}
		time.Sleep(100 * time.Millisecond)
	}
	var auth struct {
		Token string `json:"token"`
	}
	if err := pbCall(base+"/api/collections/_superusers/auth-with-password", "", map[string]any{"identity": email, "password": pass}, &auth); err != nil {
		return fail(err)
	}
	text := func(n string) map[string]any { return map[string]any{"name": n, "type": "text"} }
	num := func(n string) map[string]any { return map[string]any{"name": n, "type": "number"} }
	coll := map[string]any{"name": "reports", "type": "base", "createRule": "",
		"fields": []any{text("category"), text("description"), text("address"), num("lat"), num("lng"), text("name"), text("phone"),
			map[string]any{"name": "created", "type": "autodate", "onCreate": true}},
		"indexes": []string{"CREATE INDEX idx_reports_created ON reports (created)"}}
	if err := pbCall(base+"/api/collections", auth.Token, coll, nil); err != nil {
		return fail(err)
	}
	pb.URL = base + "/api/collections/reports/records"
	return pb, nil
}

func pbCall(url, token string, body, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("pocketbase %s: HTTP %d: %.200s", url, res.StatusCode, data)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// Stop ends PocketBase and removes its folder.
func (pb *pocketBase) Stop() {
	stop(pb.cmd)
	os.RemoveAll(pb.data)
}
