package account_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

const goodPW = "Wenming-2026"

// fixture is a small city: districts A and B, one unit in each, a root
// admin who sees all, a district admin for A, and one plain user per unit.
type fixture struct {
	ctx              context.Context
	d                *db.DB
	clk              *clock.Fake
	svc              *account.Service
	city, distA      int64
	distB, streetA   int64
	unitA, unitB     int64
	root, adminA     int64
	userA, userB     int64
	rootP, adminAP   *auth.Principal
	districtAdminRID int64
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ctx: ctx, d: d, clk: clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	f.svc = account.New(d, f.clk)
	must(t, f.svc.Bootstrap(ctx))
	f.city = f.region(t, 0, "city", "C", "乐山市")
	f.distA = f.region(t, f.city, "district", "A", "市中区")
	f.distB = f.region(t, f.city, "district", "B", "五通桥区")
	f.streetA = f.region(t, f.distA, "street", "A1", "张公桥街道")
	f.unitA = f.unit(t, "UA", "市中区城管局", f.distA)
	f.unitB = f.unit(t, "UB", "五通桥区城管局", f.distB)
	f.root = f.create(t, nil, account.UserInput{Username: "root", DisplayName: "超级管理员", ScopeKind: auth.ScopeAll,
		Roles: []string{account.RoleAdmin}, Active: true, Password: goodPW})
	f.rootP = f.principal(t, f.root)
	var err error
	f.districtAdminRID, err = f.svc.CreateRole(ctx, f.rootP, account.RoleInput{Code: "district_admin", Name: "区管理员",
		Perms: []auth.Perm{auth.PermUserView, auth.PermUserManage, auth.PermContactView, auth.PermTokenManage}, ScopeKind: auth.ScopeRegion})
	must(t, err)
	f.adminA = f.create(t, f.rootP, account.UserInput{Username: "admin_a", DisplayName: "市中区管理员", UnitID: f.unitA, RegionID: f.distA,
		ScopeKind: auth.ScopeRegion, Roles: []string{"district_admin"}, Active: true, Password: goodPW})
	f.adminAP = f.principal(t, f.adminA)
	f.userA = f.create(t, f.rootP, account.UserInput{Username: "zhang", DisplayName: "张三", Phone: "13800001111", UnitID: f.unitA,
		Roles: []string{account.RoleHandler}, Active: true, Password: goodPW})
	f.userB = f.create(t, f.rootP, account.UserInput{Username: "li", DisplayName: "李四", Phone: "13900002222", UnitID: f.unitB,
		Roles: []string{account.RoleHandler}, Active: true, Password: goodPW})
	return f
}

func (f *fixture) region(t *testing.T, parent int64, level, code, name string) int64 {
	t.Helper()
	now := f.clk.Now().UnixMilli()
	var id int64
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		parentPath := "/"
		var pid any
		if parent != 0 {
			pid = parent
			if err := tx.Get(f.ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{parent}, &parentPath); err != nil {
				return err
			}
		}
		var err error
		id, err = tx.InsertID(f.ctx, `INSERT INTO regions (parent_id, level, code, name, path, created_at, updated_at)
			VALUES (?, ?, ?, ?, '', ?, ?) RETURNING id`, pid, level, code, name, now, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, "UPDATE regions SET path = ? WHERE id = ?", parentPath+itoa(id)+"/", id)
		return err
	}))
	return id
}

func (f *fixture) unit(t *testing.T, code, name string, region int64) int64 {
	t.Helper()
	now := f.clk.Now().UnixMilli()
	var id int64
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(f.ctx, `INSERT INTO units (kind, code, name, region_id, path, created_at, updated_at)
			VALUES ('department', ?, ?, ?, '', ?, ?) RETURNING id`, code, name, region, now, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(f.ctx, "UPDATE units SET path = ? WHERE id = ?", "/"+itoa(id)+"/", id)
		return err
	}))
	return id
}

func (f *fixture) create(t *testing.T, p *auth.Principal, in account.UserInput) int64 {
	t.Helper()
	id, err := f.svc.CreateUser(f.ctx, p, in)
	must(t, err)
	return id
}

func (f *fixture) principal(t *testing.T, id int64) *auth.Principal {
	t.Helper()
	var p *auth.Principal
	must(t, f.d.Read(f.ctx, func(tx *db.Tx) error {
		var err error
		p, err = f.svc.LoadPrincipal(f.ctx, tx, id)
		return err
	}))
	return p
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

func (f *fixture) setPolicy(t *testing.T, vals map[string]string) {
	t.Helper()
	must(t, f.d.Write(f.ctx, func(tx *db.Tx) error {
		_, _, err := f.svc.SetPolicy(f.ctx, tx, vals)
		return err
	}))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// wantCode fails unless err carries the code and message key.
func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("want %s %s, got %v", code, key, err)
	}
}

// wantFields fails unless err is Invalid with exactly these field keys.
func wantFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid {
		t.Fatalf("want invalid %v, got %v", want, err)
	}
	for field, key := range want {
		if got := e.Fields[field].Key; got != key {
			t.Errorf("field %s: got %q want %q (all: %v)", field, got, key, err)
		}
	}
	if len(e.Fields) != len(want) {
		t.Errorf("got fields %v, want %v", err, want)
	}
}
