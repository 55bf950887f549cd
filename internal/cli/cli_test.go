package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/pii"
)

func TestMain(m *testing.M) {
	account.UseCheapHashingInTests()
	m.Run()
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndUnknownCommand(t *testing.T) {
	if code, out, _ := run(t, "", "version"); code != 0 || !strings.HasPrefix(out, "wenming ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errs := run(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errs)
	}
}

func TestMigrateThenUserCreateThenPasswdThenBackup(t *testing.T) {
	dir := t.TempDir()
	if code, out, e := run(t, "", "migrate", "--data", dir); code != 0 || !strings.Contains(out, "Applied migrations") {
		t.Fatalf("migrate: %d %q %q", code, out, e)
	}
	if code, out, _ := run(t, "", "migrate", "--data", dir); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate: %d %q", code, out)
	}
	// A weak password is refused with the policy's message and creates nothing.
	if code, _, e := run(t, "abc\n", "user", "create", "zhangsan", "--data", dir); code != 1 || !strings.Contains(e, "at least 8") {
		t.Fatalf("weak password: %d %q", code, e)
	}
	if code, out, e := run(t, "Strong-pass-1\n", "user", "create", "zhangsan", "--name", "张三", "--data", dir); code != 0 || !strings.Contains(out, "Created user zhangsan") {
		t.Fatalf("create: %d %q %q", code, out, e)
	}
	if code, _, e := run(t, "Strong-pass-1\n", "user", "create", "zhangsan", "--data", dir); code != 1 || !strings.Contains(e, "taken") {
		t.Fatalf("duplicate: %d %q", code, e)
	}
	if code, out, e := run(t, "Other-pass-22\n", "user", "passwd", "zhangsan", "--data", dir); code != 0 || !strings.Contains(out, "changed") {
		t.Fatalf("passwd: %d %q %q", code, out, e)
	}
	backup := filepath.Join(t.TempDir(), "copy.tar.gz")
	if code, out, e := run(t, "", "backup", backup, "--data", dir); code != 0 || !strings.Contains(out, backup) {
		t.Fatalf("backup: %d %q %q", code, out, e)
	}
	if code, _, e := run(t, "", "backup", backup, "--data", dir); code != 1 || !strings.Contains(e, "already exists") {
		t.Fatalf("backup over an existing file: %d %q", code, e)
	}
	// The restored copy is a sound database that holds the user with the new password.
	restored := t.TempDir()
	if code, _, e := run(t, "", "restore", backup, "--data", restored); code != 0 {
		t.Fatalf("restore: %d %q", code, e)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, filepath.Join(restored, "wenming.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if res, err := d.IntegrityCheck(ctx); err != nil || res != "ok" {
		t.Fatalf("integrity: %q %v", res, err)
	}
	acc := account.New(d, systemClock{})
	if _, err := acc.Login(ctx, account.LoginInput{Username: "zhangsan", Password: "Other-pass-22", IP: "127.0.0.1"}); err != nil {
		t.Fatalf("login on the backup: %v", err)
	}
}

func TestDemoLoadsOnceAndRefusesANonEmptyDatabase(t *testing.T) {
	dir := t.TempDir()
	code, out, e := run(t, "", "demo", "--data", dir)
	if code != 0 || !strings.Contains(out, "handler_swq") || !strings.Contains(out, "wenming-demo") {
		t.Fatalf("demo: %d %q %q", code, out, e)
	}
	if code, _, e := run(t, "", "demo", "--data", dir); code != 1 || !strings.Contains(e, "empty database") {
		t.Fatalf("second demo: %d %q", code, e)
	}
}

func TestBadLogFormatIsRefused(t *testing.T) {
	if code, _, e := run(t, "", "serve", "--data", t.TempDir(), "--log-format", "xml"); code != 1 || !strings.Contains(e, "text or json") {
		t.Fatalf("got %d %q", code, e)
	}
}

func TestPIIKeyPrintsKeysThatServeReadsFromTheEnvironment(t *testing.T) {
	code, out, e := run(t, "", "pii-key", "--id", "k2")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[1], "k2:") {
		t.Fatalf("pii-key: %d %q %q", code, out, e)
	}
	t.Setenv("WENMING_PII_KEYS", lines[1]+",k1:"+pii.NewKey())
	t.Setenv("WENMING_PII_INDEX_KEY", lines[3])
	c := flags(newFlagSet("serve", &bytes.Buffer{}))
	c.DataDir = t.TempDir()
	a, err := app.New(context.Background(), *c, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.PII.CurrentKeyID() != "k2" {
		t.Fatalf("current key %q, want the first of WENMING_PII_KEYS", a.PII.CurrentKeyID())
	}
	if code, _, _ := run(t, "", "pii-key", "--id", "not ok"); code == 0 {
		t.Fatal("a key id with a space was accepted")
	}
}

func TestServeRefusesToStartWithABadPIIKey(t *testing.T) {
	t.Setenv("WENMING_PII_KEYS", "k1:tooshort")
	t.Setenv("WENMING_PII_INDEX_KEY", pii.NewKey())
	dir := t.TempDir()
	if code, _, e := run(t, "", "serve", "--data", dir, "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(e, `pii: key "k1"`) {
		t.Fatalf("got %d %q", code, e)
	}
	t.Setenv("WENMING_PII_INDEX_KEY", "")
	t.Setenv("WENMING_PII_KEYS", "k1:"+pii.NewKey())
	if code, _, e := run(t, "", "serve", "--data", dir, "--addr", "127.0.0.1:0"); code != 1 || !strings.Contains(e, "WENMING_PII_INDEX_KEY") {
		t.Fatalf("keys without an index key: %d %q", code, e)
	}
}

// TestDemoLoginsArePrintedOnceAtStart: a demo loaded at this start has
// printed its accounts while loading (app.PrintLogins), so serve's notice
// only says where to open it; a demo recalled from an earlier start lists
// the accounts once.
func TestDemoLoginsArePrintedOnceAtStart(t *testing.T) {
	logins := demo.Logins()
	var loaded bytes.Buffer
	app.PrintLogins(&loaded, logins)
	printDemoStart(&loaded, "127.0.0.1:8080", true, logins)
	var recalled bytes.Buffer
	printDemoStart(&recalled, "127.0.0.1:8080", false, logins)
	for name, out := range map[string]string{"loaded now": loaded.String(), "recalled": recalled.String()} {
		if !strings.Contains(out, "http://127.0.0.1:8080/") {
			t.Errorf("%s: no address in %q", name, out)
		}
		for _, l := range logins {
			if n := strings.Count(out, "  "+l.Username+" "); n != 1 {
				t.Errorf("%s: %s listed %d times:\n%s", name, l.Username, n, out)
			}
		}
	}
}
