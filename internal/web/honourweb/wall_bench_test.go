package honourweb_test

import (
	"fmt"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
)

// BenchmarkTheHonoursWall serves the first page of the public honours wall
// (its votes, its notices and 30 stories with their tours) of a city with
// 300 more awarded good people (each with two story tours) than the demo,
// through the real app on SQLite, beside the public nomination page (the
// same layout with no rows: the ceiling).
func BenchmarkTheHonoursWall(b *testing.B) {
	e := apptest.Start(b, db.SQLite)
	aid := e.Count(b, "SELECT MIN(id) FROM activities WHERE status = 'open'")
	unit := e.Count(b, "SELECT id FROM units WHERE code = 'DEPT-WMB'")
	region := e.Count(b, "SELECT MIN(id) FROM regions WHERE level = 'district'")
	for i := range 300 {
		e.Exec(b, `INSERT INTO honour_nominations (kind, category, period, unit_id, region_id, nominee, story, source, nominator, consent, state,
			awarded_on, created_at, updated_at) VALUES ('good_people', 'helping', '2025Q4', ?, ?, ?, '长期义务照顾社区孤寡老人，每周上门送菜、打扫卫生，陪老人就医。',
			'community', '市文明办', TRUE, 'awarded', '2025-12-31', 0, 0)`, unit, region, fmt.Sprintf("好人%03d", i))
		id := e.Count(b, "SELECT MAX(id) FROM honour_nominations")
		for k := range 2 {
			e.Exec(b, "INSERT INTO honour_tours (nomination_id, activity_id, linked_at) VALUES (?, ?, 0)", id, aid+int64(k))
		}
	}
	c := e.Anonymous(b)
	for _, x := range []struct{ name, path string }{{"wall", "/public/honours"}, {"ceiling-nominate-page", "/public/honours/nominate"}} {
		b.Run(x.name, func(b *testing.B) {
			for b.Loop() {
				if res := c.Get(x.path); res.Status != 200 {
					b.Fatalf("%s: %d", x.path, res.Status)
				}
			}
		})
	}
}
