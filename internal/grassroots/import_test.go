package grassroots

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/pii"
)

func testWorkbook(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testID(i int) string {
	first := fmt.Sprintf("51112319800101%03d", i)
	return first + string(pii.CheckChar(first))
}

// An import checks every row before it writes any: an ID number twice in
// the file, one already stored, a grid outside the importer's scope and a
// bad tag date are each named by row and column, and nothing is saved; a
// good file saves households, heads and tags by many rows a statement,
// with one audit entry for the import holding its counts, and the ids
// the import took do not collide with a household added after it.
func TestImportChecksEveryRowFirstSavesAllOrNothingAndAuditsTheImportOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		coverageFixture(t, d, false)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO users (id, username, display_name, region_id, created_at, updated_at) VALUES (1, 'g', 'g', 3, 0, 0)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		keys, err := pii.ParseKeys("k1:"+pii.NewKey(), pii.NewKey())
		if err != nil {
			t.Fatal(err)
		}
		s := New(d, clock.NewFake(time.Date(2026, 4, 2, 9, 0, 0, 0, clock.CST)), keys)
		// A worker of village 1: grid G1 is theirs, G2 is not.
		p := &auth.Principal{UserID: 1, RegionID: 3, Scope: auth.Scope{RegionPaths: []string{"/1/2/3/"}}, Perms: map[auth.Perm]bool{auth.PermGridVisit: true}}
		if !inScope(p, "/1/2/3/5/") || inScope(p, "/1/2/4/6/") {
			t.Fatal("the principal's scope is not village 1")
		}
		hdr := []any{"grid_code", "address", "head_name", "id_number", "tags", "tags_from"}
		first, err := s.ImportHouseholds(ctx, p, bytes.NewReader(testWorkbook(t, [][]any{hdr,
			{"g1", "滨河路1号", "甲", testID(1), "监测户、低保户", "2026-01-01"},
			{"G1", "滨河路2号", "乙", "", "", ""},
		})), fieldHeaders())
		if ie, ok := IsImportError(err); ok {
			t.Fatalf("good file refused: %+v", ie.Rows)
		} else if err != nil {
			t.Fatal(err)
		}
		if first != (ImportResult{Households: 2, People: 2, Tags: 2}) {
			t.Fatalf("first import: %+v", first)
		}
		count := func(q string, args ...any) int64 {
			t.Helper()
			var n int64
			if err := d.Read(ctx, func(tx *db.Tx) error { var err error; n, err = tx.Count(ctx, q, args...); return err }); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count("SELECT COUNT(*) FROM audit_log WHERE entity = 'household_import'"); n != 1 {
			t.Errorf("import audit entries: %d", n)
		}
		if n := count("SELECT COUNT(*) FROM audit_log WHERE entity IN ('household', 'resident', 'household_tag')"); n != 0 {
			t.Errorf("per-row audit entries: %d", n)
		}
		if n := count("SELECT COUNT(*) FROM gr_people WHERE id_mask <> '' AND id_enc <> ? AND relation = 'head'", testID(1)); n != 1 {
			t.Errorf("encrypted, masked heads: %d", n)
		}
		before := count("SELECT COUNT(*) FROM gr_households")
		_, err = s.ImportHouseholds(ctx, p, bytes.NewReader(testWorkbook(t, [][]any{hdr,
			{"G1", "滨河路3号", "丙", testID(2), "", ""},
			{"G1", "滨河路4号", "丁", testID(2), "", ""},
			{"G1", "滨河路5号", "戊", testID(1), "", ""},
			{"G2", "滨河路6号", "己", "", "", ""},
			{"G1", "滨河路7号", "庚", "", "监测户", "2026-13-01"},
			{"G9", "滨河路8号", "辛", "", "", ""},
		})), fieldHeaders())
		ie, ok := IsImportError(err)
		if !ok {
			t.Fatalf("bad file: %v", err)
		}
		var got []string
		for _, r := range ie.Rows {
			got = append(got, fmt.Sprintf("%d %s %s", r.Row, r.Column, r.Key))
		}
		want := []string{"3 id_number grassroots.err.id_taken", "4 id_number grassroots.err.id_taken", "5 grid_code field.bad_choice",
			"6 tags_from field.bad_date", "7 grid_code grassroots.import.no_grid"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("problems %v, want %v", got, want)
		}
		if n := count("SELECT COUNT(*) FROM gr_households"); n != before {
			t.Errorf("a bad file saved %d households", n-before)
		}
		h, err := s.CreateHousehold(ctx, p, HouseholdInput{RegionID: 5, Address: "后来路1号", HeadName: "壬"})
		if err != nil {
			t.Fatal(err)
		}
		if n := count("SELECT COUNT(*) FROM gr_households WHERE id = ?", h.ID); n != 1 || before != 7 {
			t.Errorf("household added after the import: id %d, %d households before", h.ID, before)
		}
	})
}

// fieldHeaders accepts each column's field name as its header.
func fieldHeaders() HeaderNames {
	h := HeaderNames{}
	for _, c := range ImportColumns {
		h[c] = []string{c}
	}
	return h
}
