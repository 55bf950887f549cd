package workorder_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// supervisionGroup adds a supervision group (督导组) at the city with a
// webhook channel, responsible for the region subtrees given.
func (f *fixture) supervisionGroup(t *testing.T, code string, regions ...int64) int64 {
	t.Helper()
	var id int64
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(f.ctx, `INSERT INTO units (kind, code, name, region_id, path, active, created_at, updated_at)
			VALUES ('supervision_group', ?, ?, ?, '', TRUE, 0, 0) RETURNING id`, code, "督导组"+code, f.city)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(f.ctx, "UPDATE units SET path = ? WHERE id = ?", "/"+strconv.FormatInt(id, 10)+"/", id); err != nil {
			return err
		}
		for _, r := range regions {
			if _, err := tx.Exec(f.ctx, "INSERT INTO supervision_areas (unit_id, region_id, created_at) VALUES (?, ?, 0)", id, r); err != nil {
				return err
			}
		}
		_, err = tx.Exec(f.ctx, `INSERT INTO notify_channels (unit_id, kind, target, active, created_at)
			VALUES (?, 'webhook', 'https://hooks.example.gov.cn/sg', TRUE, 0)`, id)
		return err
	}))
	return id
}

// submitIn files a citizen report placed in a region.
func (f *fixture) submitIn(t *testing.T, cat string, region int64) wo.Submitted {
	t.Helper()
	s, err := f.svc.Submit(f.ctx, nil, wo.SubmitInput{Channel: wo.ChannelWeb, CategoryID: f.cats[cat],
		Description: "小区门口垃圾堆放多日无人清运", Address: "某路 8 号", RegionID: region,
		ReporterName: "李先生", ReporterPhone: "13900139000"})
	must(t, err)
	return s
}

func TestOverdueOrdersEscalateToTheUnitAndTheSupervisionGroupCoveringTheirRegionOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.svc.Level2After = 12 * time.Hour
		groupA := f.supervisionGroup(t, "SGA", f.distA) // district A; B has no group
		inA := f.submitIn(t, "STREET_VENDING", f.street)
		inB := f.submitIn(t, "STREET_VENDING", f.distB)
		f.act(t, f.disp, inA.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.disp, inB.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitB})
		told := func(order, unit int64, kind string) int64 {
			return f.count(t, "SELECT COUNT(*) FROM notifications WHERE ref = ? AND unit_id = ? AND event = ?", order, unit, kind)
		}
		outbox := func(unit int64, kind string) int64 {
			return f.count(t, "SELECT COUNT(*) FROM notify_outbox WHERE unit_id = ? AND kind = ? AND channel = 'webhook'", unit, kind)
		}

		// Before the acknowledge deadline nobody is told.
		f.clk.Advance(23 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		if n := f.count(t, "SELECT COUNT(*) FROM notifications WHERE event = 'overdue'"); n != 0 {
			t.Fatalf("%d overdue notifications before the deadline", n)
		}

		// Past it, the job runs twice: the unit and its group are told once each.
		f.clk.Advance(2 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		must(t, f.svc.EscalateOverdue(f.ctx))
		if got := [3]int64{told(inA.ID, f.unitA, "overdue"), told(inA.ID, groupA, "overdue"), outbox(groupA, "overdue")}; got != [3]int64{1, 1, 1} {
			t.Fatalf("order in A: unit told %d, group told %d, group's webhook rows %d; want once each", got[0], got[1], got[2])
		}
		var key, args string
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			return tx.Get(f.ctx, "", "SELECT text_key, args FROM notifications WHERE ref = ? AND unit_id = ?",
				[]any{inA.ID, groupA}, &key, &args)
		}))
		if key != "workorder.notify.group_overdue_ack" || !strings.Contains(args, inA.Code) || !strings.Contains(args, "市城市管理局") {
			t.Fatalf("group's notification: %s %s", key, args)
		}
		var body string
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			return tx.Get(f.ctx, "", "SELECT body FROM notify_outbox WHERE unit_id = ?", []any{groupA}, &body)
		}))
		if !strings.Contains(body, inA.Code) || !strings.Contains(body, "市城市管理局") {
			t.Fatalf("group's webhook body: %s", body)
		}
		// The order in B, where no group is responsible, still escalates to its unit.
		if told(inB.ID, f.unitB, "overdue") != 1 || f.count(t, "SELECT COUNT(*) FROM notifications WHERE ref = ? AND event = 'overdue'", inB.ID) != 1 {
			t.Fatal("the order in B: want exactly its unit told")
		}
		for _, id := range []int64{inA.ID, inB.ID} {
			o, err := f.svc.Get(f.ctx, f.disp, id)
			must(t, err)
			if o.EscalationLevel != 1 || !o.AckOverdue {
				t.Fatalf("order %s: level %d, ack overdue %v", o.Code, o.EscalationLevel, o.AckOverdue)
			}
		}

		// Level 2 after the delay: the unit and the group again, once.
		f.clk.Advance(13 * time.Hour)
		must(t, f.svc.EscalateOverdue(f.ctx))
		must(t, f.svc.EscalateOverdue(f.ctx))
		if told(inA.ID, f.unitA, "escalated") != 1 || told(inA.ID, groupA, "escalated") != 1 || outbox(groupA, "escalated") != 1 {
			t.Fatalf("level 2 in A: unit %d, group %d, webhook %d", told(inA.ID, f.unitA, "escalated"), told(inA.ID, groupA, "escalated"), outbox(groupA, "escalated"))
		}
		if told(inB.ID, f.unitB, "escalated") != 1 || f.count(t, "SELECT COUNT(*) FROM notifications WHERE ref = ? AND event = 'escalated'", inB.ID) != 1 {
			t.Fatal("level 2 in B: want exactly its unit told")
		}
		if n := f.count(t, "SELECT COUNT(*) FROM notifications WHERE unit_id = ?", groupA); n != 2 {
			t.Fatalf("the group was told %d times in all, want 2", n)
		}
	})
}
