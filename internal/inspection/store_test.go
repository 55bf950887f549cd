package inspection_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/inspection"
)

func workbook(t *testing.T, rows [][]any) *bytes.Reader {
	t.Helper()
	f := excelize.NewFile()
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
	return bytes.NewReader(b.Bytes())
}

var header = []any{"编号", "上级编号", "层级", "名称", "分值", "采集方式"}

func count(t *testing.T, d *db.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(context.Background(), q)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportRefusesABadWorkbookNamingEveryCellAndSavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := inspection.New(d, clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, clock.CST)))
		ctx := context.Background()
		wb := workbook(t, [][]any{
			header,
			{"B", "", "部分", "基本指标", 10, ""},
			{"B01", "B", "板块", "生活环境", "十", ""},        // E3: not a number
			{"B0101", "B01", "章节", "市容市貌", 10, "实地考察"}, // C4: no such level
			{"B0102", "B09", "指标", "交通秩序", 5, "实地考察"},  // B5: unknown parent
			{"", "", "", "", "", ""},                   // an empty row is skipped
			{"B010101", "B0101", "内容", "", 10, "走访"},   // D7 name, F7 method
			{"B0103", "B01", "指标", "公共设施", 5, ""},      // F8: an indicator needs a method
		})
		_, err := svc.ImportIndex(ctx, nil, inspection.IndexInput{Code: "T1", Name: "测试"}, wb)
		ie := inspection.AsImportErrors(err)
		if ie == nil {
			t.Fatalf("want import errors, got %v", err)
		}
		var got []string
		for _, c := range ie.Cells {
			got = append(got, fmt.Sprintf("%d%s:%s", c.Row, c.Col, c.Key))
		}
		want := []string{
			"2E:inspection.tree.sum_mismatch", // 10 for the part, its section's points unreadable: 0 counted
			"3E:inspection.import.bad_points",
			"4C:inspection.import.bad_level",
			"5B:inspection.tree.parent_unknown",
			"7D:field.required",
			"7F:inspection.import.bad_method",
			"8F:inspection.tree.method_required",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got\n%v\nwant\n%v", got, want)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM inspection_indexes") + count(t, d, "SELECT COUNT(*) FROM inspection_nodes"); n != 0 {
			t.Fatalf("%d rows saved from a refused import", n)
		}
		// A missing header is named by its column header on row 1.
		_, err = svc.ImportIndex(ctx, nil, inspection.IndexInput{Code: "T1", Name: "测试"}, workbook(t, [][]any{
			{"编号", "上级编号", "层级", "名称", "采集方式"}, {"B", "", "部分", "基本指标", ""},
		}))
		if ie := inspection.AsImportErrors(err); ie == nil || len(ie.Cells) != 1 || ie.Cells[0].Row != 1 || ie.Cells[0].Header != "分值" {
			t.Fatalf("missing header: %v %+v", err, ie)
		}
		// Not a workbook at all.
		if _, err := svc.ImportIndex(ctx, nil, inspection.IndexInput{Code: "T1", Name: "测试"}, bytes.NewReader([]byte("a,b,c"))); err == nil {
			t.Fatal("a CSV was accepted")
		}
		if n := count(t, d, "SELECT COUNT(*) FROM inspection_indexes"); n != 0 {
			t.Fatalf("%d indexes saved", n)
		}
	})
}

func TestIndexRoundTripsThroughAWorkbookAndVersionsSupersedeEachOther(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := inspection.New(d, clock.NewFake(time.Date(2026, 12, 1, 9, 0, 0, 0, clock.CST)))
		ctx := context.Background()
		if err := svc.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		list, err := svc.ListIndexes(ctx, admin())
		if err != nil || len(list) != 1 || list[0].State != inspection.StateActive || list[0].Total != 12000 {
			t.Fatalf("demo index: %+v %v", list, err)
		}
		demo := list[0]
		ns, err := svc.Nodes(ctx, admin(), demo.ID)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		cols := make([]export.Column, len(inspection.IndexHeaders))
		for i, h := range inspection.IndexHeaders {
			cols[i] = export.Column{Header: h}
		}
		if err := export.WriteXLSX(&b, "测评体系", cols, inspection.IndexRows(ns)); err != nil {
			t.Fatal(err)
		}
		v2, err := svc.ImportIndex(ctx, admin(), inspection.IndexInput{Code: demo.Code, Name: demo.Name}, bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if v2.Version != 2 || v2.State != inspection.StateDraft || v2.Nodes != demo.Nodes || v2.Total != demo.Total {
			t.Fatalf("imported %+v from %+v", v2, demo)
		}
		ns2, _ := svc.Nodes(ctx, admin(), v2.ID)
		for i := range ns {
			a, b := ns[i], ns2[i]
			if a.Code != b.Code || a.ParentCode != b.ParentCode || a.Level != b.Level || a.Name != b.Name || a.Points != b.Points || a.Method != b.Method {
				t.Fatalf("node %d: %+v became %+v", i, a, b)
			}
		}
		// A draft whose points no longer add up cannot be put in force.
		n := ns2[len(ns2)-1]
		if _, err := svc.SaveNode(ctx, admin(), v2.ID, n.ID, inspection.NodeInput{ParentID: n.ParentID, Level: n.Level, Code: n.Code,
			Name: n.Name, Points: n.Points + 100, Method: n.Method, Sort: n.Sort}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Activate(ctx, admin(), v2.ID); err == nil {
			t.Fatal("an unbalanced draft was put in force")
		}
		if _, err := svc.SaveNode(ctx, admin(), v2.ID, n.ID, inspection.NodeInput{ParentID: n.ParentID, Level: n.Level, Code: n.Code,
			Name: n.Name, Points: n.Points, Method: n.Method, Sort: n.Sort}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Activate(ctx, admin(), v2.ID); err != nil {
			t.Fatal(err)
		}
		old, _ := svc.GetIndex(ctx, admin(), demo.ID)
		cur, _ := svc.GetIndex(ctx, admin(), v2.ID)
		if old.State != inspection.StateRetired || cur.State != inspection.StateActive {
			t.Fatalf("states %s %s", old.State, cur.State)
		}
		// Versions in force are read-only.
		if _, err := svc.SaveNode(ctx, admin(), v2.ID, n.ID, inspection.NodeInput{ParentID: n.ParentID, Level: n.Level, Code: n.Code,
			Name: "改", Points: n.Points, Method: n.Method, Sort: n.Sort}); err == nil {
			t.Fatal("a version in force was changed")
		}
		// The demo's site types and checklists came with it.
		types, err := svc.ListSiteTypes(ctx, admin())
		if err != nil || len(types) < 20 {
			t.Fatalf("%d site types, %v", len(types), err)
		}
		items, err := svc.CheckItems(ctx, admin(), types[0].ID)
		if err != nil || len(items) == 0 || items[0].IndicatorName == "" {
			t.Fatalf("items %+v %v", items, err)
		}
	})
}
