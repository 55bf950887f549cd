package orderweb_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/clock"
)

// An extension deadline typed as a date is the end of that day in China
// Standard Time, on a server running in UTC or in New York.
func TestOrderExtensionDateIsTheEndOfThatDayInCSTWhateverTheServersZone(t *testing.T) {
	for _, zone := range []string{"UTC", "America/New_York"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Skipf("no tzdata for %s: %v", zone, err)
		}
		old := time.Local
		time.Local = loc
		apptest.Each(t, func(t *testing.T, e *apptest.Env) {
			op, disp, zgq := e.API(t, "operator"), e.API(t, "dispatcher"), e.API(t, "handler_zgq")
			var o struct {
				ID int64 `json:"id"`
			}
			op.JSON("POST", "/api/v1/workorders", map[string]any{
				"category_id": e.ID(t, "workorder_categories", "code", "STREET_LIGHT"), "description": "柏杨路路灯不亮",
				"region_id": e.ID(t, "regions", "code", "511102-ZGQ"), "phone": woPhone, "name": "王先生",
			}).Decode(&o)
			steps := []struct {
				c      *apptest.Client
				action string
				body   map[string]any
			}{
				{disp, "accept", nil},
				{disp, "dispatch", map[string]any{"unit_id": e.ID(t, "units", "code", "ST-ZGQ")}},
				{zgq, "acknowledge", nil},
				{zgq, "request_extension", map[string]any{"note": "需更换灯杆", "extension_until": "2026-12-20"}},
			}
			for _, st := range steps {
				if res := st.c.JSON("POST", fmt.Sprintf("/api/v1/workorders/%d/actions/%s", o.ID, st.action), st.body); res.Status != http.StatusOK {
					t.Fatalf("%s %s: %d %s", zone, st.action, res.Status, res.Body)
				}
			}
			want := time.Date(2026, 12, 20, 23, 59, 59, 0, clock.CST).UnixMilli()
			if got := e.Count(t, "SELECT extension_until FROM workorders WHERE id = ?", o.ID); got != want {
				t.Fatalf("%s: extension until %v, want %v", zone, time.UnixMilli(got).In(clock.CST), time.UnixMilli(want).In(clock.CST))
			}
		})
		time.Local = old
	}
}
