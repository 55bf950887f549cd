package orderweb_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// TestLocateNamesTheRegionsAReportWouldBePlacedIn proves the public locate
// API names, from the district down, exactly the region a report at the
// point is then placed in; a point outside every boundary gets none, and a
// bad point is a field error.
func TestLocateNamesTheRegionsAReportWouldBePlacedIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Anonymous(t)
		var got struct {
			Label   string `json:"label"`
			Regions []struct {
				ID    int64  `json:"id"`
				Code  string `json:"code"`
				Level string `json:"level"`
			} `json:"regions"`
		}
		res := c.Get("/api/v1/public/locate?lat=29.5648&lng=103.7627")
		apptest.Want(t, "locate", res, http.StatusOK)
		res.Decode(&got)
		if len(got.Regions) < 2 || got.Regions[0].Code != "511102" || !strings.HasPrefix(got.Label, "市中区 › ") {
			t.Fatalf("located %+v", got)
		}
		deepest := got.Regions[len(got.Regions)-1].ID
		sent := c.PostForm("/report", reportForm(29.5648, 103.7627))
		m := sentRe.FindStringSubmatch(sent.Header.Get("Location"))
		if m == nil {
			t.Fatalf("report not sent: %d %s", sent.Status, sent.Body)
		}
		if e.Count(t, "SELECT COUNT(*) FROM workorders WHERE code = ? AND region_id = ?", m[1], deepest) != 1 {
			t.Fatalf("the report is not placed in the located region %d", deepest)
		}

		// 五通桥 town is nearer 市中区's centre than many of 市中区's own
		// streets, but its boundary says 五通桥区.
		res = c.Get("/api/v1/public/locate?lat=29.4064&lng=103.8180")
		res.Decode(&got)
		if len(got.Regions) == 0 || got.Regions[0].Code != "511112" {
			t.Fatalf("五通桥 located in %+v", got)
		}

		res = c.Get("/api/v1/public/locate?lat=30.6586&lng=104.0648")
		apptest.Want(t, "outside", res, http.StatusOK, `"regions":[]`, `"label":""`)

		en := e.Anonymous(t)
		en.Lang = "en"
		res = en.Get("/api/v1/public/locate?lat=29.5648&lng=103.7627")
		apptest.Want(t, "english names", res, http.StatusOK, `"label":"Shizhong District › `)

		apptest.Want(t, "bad latitude", c.Get("/api/v1/public/locate?lat=north&lng=103.7"), http.StatusBadRequest, `"lat"`)
		apptest.Want(t, "missing longitude", c.Get("/api/v1/public/locate?lat=29.5"), http.StatusBadRequest, `"lng"`)
		apptest.Want(t, "out of range", c.Get("/api/v1/public/locate?lat=95&lng=103.7"), http.StatusBadRequest, `"lat"`)
	})
}
