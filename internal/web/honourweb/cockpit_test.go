package honourweb_test

import (
	"context"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/figures"
)

// The leader's cockpit shows the star ratings' and the honours' figures
// (registered with the figures package), and a district's cockpit counts
// only that district's honours.
func TestTheCockpitShowsTheRatingAndHonourFiguresByRegion(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		page := e.Login(t, "leader").Get("/dashboard")
		if page.Status != 200 || !page.Contains("授予称号数", "撤销称号数", "先进典型提名数", "星级评定周期数", "参评人数", "升星人次", "3 星人数", "取得职业技能等级人次") {
			t.Fatalf("the cockpit lacks the figures: %d %s", page.Status, page.Body)
		}
		regions, err := e.App.Honours.WallRegions(context.Background())
		if err != nil || len(regions) == 0 {
			t.Fatal(err)
		}
		f, _ := figures.Get("honour.awarded")
		ctx := e.App.Honours.FiguresContext(context.Background())
		all, err := f.Compute(ctx, nil, figures.Scope{From: "2024-01-01", To: "2026-12-31"})
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, r := range regions {
			if r.Depth != 0 {
				continue
			}
			v, err := f.Compute(ctx, nil, figures.Scope{From: "2024-01-01", To: "2026-12-31", RegionID: r.ID})
			if err != nil {
				t.Fatal(err)
			}
			want := e.Count(t, `SELECT COUNT(*) FROM honour_nominations n JOIN regions r ON r.id = n.region_id WHERE n.awarded_on <> ''
				AND n.awarded_on BETWEEN '2024-01-01' AND '2026-12-31' AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'`, r.ID)
			if v.Count != want {
				t.Errorf("%s: %d awarded, want %d", r.Name, v.Count, want)
			}
			sum += v.Count
		}
		if sum != all.Count || sum == 0 {
			t.Fatalf("the districts' awards add up to %d, the city's are %d", sum, all.Count)
		}
	})
}
