package workorder_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// fixture is a small city: districts A and B with a street in A; the
// urban management bureau (DEPT-CG, in A) with a squad below it, and a
// district bureau in B; a dispatcher and an operator who see everything,
// and a handler in each bureau who sees their unit's subtree.
type fixture struct {
	ctx                        context.Context
	d                          *db.DB
	clk                        *clock.Fake
	svc                        *wo.Service
	city, distA, distB, street int64
	unitA, squadA, unitB       int64
	disp, oper, handA, handB   *auth.Principal
	leader                     *auth.Principal
	cats                       map[string]int64
}

// start is Thursday 12 Feb 2026, 09:00 in Beijing, just before the Spring Festival.
var start = time.Date(2026, 2, 12, 9, 0, 0, 0, wo.Zone)

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), d: d, clk: clock.NewFake(start), cats: map[string]int64{}}
	f.svc = wo.New(d, f.clk)
	f.city = f.region(t, 0, "city", "C")
	f.distA = f.region(t, f.city, "district", "A")
	f.distB = f.region(t, f.city, "district", "B")
	f.street = f.region(t, f.distA, "street", "A1")
	f.unitA = f.unit(t, 0, "DEPT-CG", "市城市管理局", f.distA)
	f.squadA = f.unit(t, f.unitA, "CG-SQ1", "城管一中队", f.distA)
	f.unitB = f.unit(t, 0, "DIST-B-CG", "B区城管局", f.distB)
	all := auth.Scope{All: true}
	f.disp = f.user(t, "disp", 0, all, auth.PermOrderView, auth.PermOrderIntake, auth.PermOrderDispatch, auth.PermContactView)
	f.oper = f.user(t, "oper", 0, all, auth.PermOrderView, auth.PermOrderIntake)
	f.leader = f.user(t, "leader", 0, all, auth.PermOrderView, auth.PermDashboardView)
	f.handA = f.user(t, "handA", f.unitA, auth.Scope{UnitPaths: []string{f.unitPath(t, f.unitA)}}, auth.PermOrderView, auth.PermOrderHandle)
	f.handB = f.user(t, "handB", f.unitB, auth.Scope{UnitPaths: []string{f.unitPath(t, f.unitB)}}, auth.PermOrderView, auth.PermOrderHandle)
	must(t, f.svc.Bootstrap(f.ctx))
	cats, err := f.svc.Categories(f.ctx, wo.CategoryFilter{})
	must(t, err)
	for _, c := range cats {
		f.cats[c.Code] = c.ID
	}
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) region(t *testing.T, parent int64, level, code string) int64 {
	t.Helper()
	var id int64
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		pp := "/"
		if parent != 0 {
			if err := tx.Get(f.ctx, "", "SELECT path FROM regions WHERE id = ?", []any{parent}, &pp); err != nil {
				return err
			}
		}
		var err error
		id, err = tx.InsertID(f.ctx, `INSERT INTO regions (parent_id, level, code, name, path, created_at, updated_at)
			VALUES (?, ?, ?, ?, '', 0, 0) RETURNING id`, nullID(parent), level, code, code)
		if err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, "UPDATE regions SET path = ? WHERE id = ?", pp+strconv.FormatInt(id, 10)+"/", id)
		return err
	}))
	return id
}

func (f *fixture) unit(t *testing.T, parent int64, code, name string, region int64) int64 {
	t.Helper()
	var id int64
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		pp := "/"
		if parent != 0 {
			if err := tx.Get(f.ctx, "", "SELECT path FROM units WHERE id = ?", []any{parent}, &pp); err != nil {
				return err
			}
		}
		var err error
		id, err = tx.InsertID(f.ctx, `INSERT INTO units (parent_id, kind, code, name, region_id, path, created_at, updated_at)
			VALUES (?, 'department', ?, ?, ?, '', 0, 0) RETURNING id`, nullID(parent), code, name, region)
		if err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, "UPDATE units SET path = ? WHERE id = ?", pp+strconv.FormatInt(id, 10)+"/", id)
		return err
	}))
	return id
}

func (f *fixture) unitPath(t *testing.T, id int64) string {
	t.Helper()
	var p string
	must(t, f.d.Read(f.ctx, func(tx *db.Tx) error {
		return tx.Get(f.ctx, "", "SELECT path FROM units WHERE id = ?", []any{id}, &p)
	}))
	return p
}

func (f *fixture) user(t *testing.T, name string, unit int64, scope auth.Scope, perms ...auth.Perm) *auth.Principal {
	t.Helper()
	var id int64
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(f.ctx, `INSERT INTO users (username, display_name, unit_id, created_at, updated_at)
			VALUES (?, ?, ?, 0, 0) RETURNING id`, name, name, nullID(unit))
		return err
	}))
	p := &auth.Principal{UserID: id, Username: name, DisplayName: name, UnitID: unit, Scope: scope, Perms: map[auth.Perm]bool{},
		Roles: []string{name}}
	if scope.All {
		p.ScopeKind = auth.ScopeAll
	}
	for _, x := range perms {
		p.Perms[x] = true
	}
	return p
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (f *fixture) count(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	must(t, f.d.Read(f.ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(f.ctx, q, args...)
		return err
	}))
	return n
}

// submit files a citizen report of the category in district A's street.
func (f *fixture) submit(t *testing.T, cat string) wo.Submitted {
	t.Helper()
	lat, lng := 29.56, 103.76
	s, err := f.svc.Submit(f.ctx, nil, wo.SubmitInput{Channel: wo.ChannelSnap, CategoryID: f.cats[cat],
		Description: "人行道上有流动摊贩占道经营，行人无法通过", Address: "嘉定北路 12 号", Lat: &lat, Lng: &lng,
		RegionID: f.street, ReporterName: "王女士", ReporterPhone: "13800138000"})
	must(t, err)
	return s
}

func (f *fixture) act(t *testing.T, p *auth.Principal, id int64, in wo.ActionInput) wo.Order {
	t.Helper()
	o, err := f.svc.Act(f.ctx, p, id, in)
	if err != nil {
		t.Fatalf("%s: %v", in.Action, err)
	}
	return o
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func (f *fixture) regionPath(t *testing.T, id int64) string {
	t.Helper()
	var p string
	must(t, f.d.Read(f.ctx, func(tx *db.Tx) error {
		return tx.Get(f.ctx, "", "SELECT path FROM regions WHERE id = ?", []any{id}, &p)
	}))
	return p
}
