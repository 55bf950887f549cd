package cli

import (
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/workorder"
)

func TestDemoOrdersLoadsTheCityAndHistoryThenOnlyAddsOrders(t *testing.T) {
	dir := t.TempDir()
	code, out, e := run(t, "", "demo", "--orders", "300", "--seed", "5", "--data", dir)
	if code != 0 || !strings.Contains(out, "Demo city loaded") || !strings.Contains(out, "Generated 300 orders") {
		t.Fatalf("demo --orders on a new folder: %d %q %q", code, out, e)
	}
	code, out, e = run(t, "", "demo", "--orders", "100", "--data", dir)
	if code != 0 || strings.Contains(out, "Demo city loaded") || !strings.Contains(out, "adding 100 orders") ||
		!strings.Contains(out, "Generated 100 orders") {
		t.Fatalf("demo --orders on the demo city: %d %q %q", code, out, e)
	}
	if code, _, e := run(t, "", "demo", "--data", dir); code != 1 || !strings.Contains(e, "wenming:") {
		t.Fatalf("demo without --orders on a loaded city: %d %q", code, e)
	}
	if _, err := parseReportLimit("20/1h"); err != nil {
		t.Fatal(err)
	}
	if l, err := parseReportLimit("off"); err != nil || l != (workorder.ReportLimit{Reports: -1}) {
		t.Fatalf("off: %+v %v", l, err)
	}
	for _, bad := range []string{"20", "x/1h", "20/x", "-1/1h", "5/0s"} {
		if _, err := parseReportLimit(bad); err == nil {
			t.Fatalf("report limit %q accepted", bad)
		}
	}
}
