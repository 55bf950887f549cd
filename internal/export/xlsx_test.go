package export

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// utcChild marks the copy of the test process that runs with TZ=UTC.
const utcChild = "WENMING_EXPORT_UTC_CHILD"

// TestXLSXWritesChinaStandardTimeWhenTheProcessRunsInUTC runs the check in
// a copy of the test process started with TZ=UTC, so time.Local is UTC there
// as on a typical server or container: a time written to a workbook must
// still read as the wall clock in Leshan (UTC+8), and the download's name
// carries the day in China Standard Time.
func TestXLSXWritesChinaStandardTimeWhenTheProcessRunsInUTC(t *testing.T) {
	if os.Getenv(utcChild) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestXLSXWritesChinaStandardTimeWhenTheProcessRunsInUTC$", "-test.v")
		cmd.Env = append(os.Environ(), utcChild+"=1", "TZ=UTC")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS") {
			t.Fatalf("run in UTC: %v\n%s", err, out)
		}
		return
	}
	if _, off := time.Now().Zone(); off != 0 {
		t.Fatalf("child process not in UTC: offset %d", off)
	}
	// 2026-03-01 20:30 UTC is 2026-03-02 04:30 in China.
	at := time.Date(2026, 3, 1, 20, 30, 0, 0, time.UTC)
	rec := httptest.NewRecorder()
	cols := []Column{{Header: "at"}, {Header: "ptr"}}
	if err := ServeXLSX(rec, "orders", at, cols, [][]any{{at, &at}}); err != nil {
		t.Fatal(err)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.Contains(cd, "orders-20260302.xlsx") {
		t.Errorf("Content-Disposition = %q, want the day in China Standard Time", cd)
	}
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, cell := range []string{"A2", "B2"} {
		got, err := f.GetCellValue("orders", cell)
		if err != nil {
			t.Fatal(err)
		}
		if got != "2026-03-02 04:30" {
			t.Errorf("%s = %q, want 2026-03-02 04:30 (China Standard Time)", cell, got)
		}
	}
}
