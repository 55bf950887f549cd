package demo_test

import (
	"context"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

type env struct {
	ctx      context.Context
	orgs     *org.Service
	accounts *account.Service
	logins   []demo.Login
	admin    *auth.Principal
}

// load runs Load on a fresh database and returns the services and the
// admin's principal.
func load(t *testing.T, d *db.DB) *env {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e := &env{ctx: ctx, orgs: org.New(d, clk), accounts: account.New(d, clk)}
	must(t, e.accounts.Bootstrap(ctx))
	var err error
	e.logins, err = demo.Load(ctx, e.orgs, e.accounts)
	must(t, err)
	e.admin = e.principal(t, "admin")
	return e
}

func (e *env) principal(t *testing.T, username string) *auth.Principal {
	t.Helper()
	res, err := e.accounts.Login(e.ctx, account.LoginInput{Username: username, Password: demo.Password, IP: "127.0.0.1"})
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	p, err := e.accounts.Principal(e.ctx, res.UserID)
	must(t, err)
	return p
}

func (e *env) unitID(t *testing.T, code string) int64 {
	t.Helper()
	u, err := e.orgs.UnitByCode(e.ctx, code)
	must(t, err)
	return u.ID
}

func (e *env) regionID(t *testing.T, code string) int64 {
	t.Helper()
	r, err := e.orgs.RegionByCode(e.ctx, code)
	must(t, err)
	return r.ID
}

// TestDemo loads the city once per engine and checks it from every side.
func TestDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := load(t, d)
		t.Run("logins", func(t *testing.T) { loadReportsTheLoginsInOrder(t, e) })
		t.Run("leshan", func(t *testing.T) { loadBuildsLeshan(t, e) })
		t.Run("login", func(t *testing.T) { everyDemoUserCanLogIn(t, e) })
		t.Run("scope", func(t *testing.T) { oneDistrictCannotSeeAnother(t, e) })
		t.Run("second_load", func(t *testing.T) { secondLoadIsRefusedAndChangesNothing(t, e) })
	})
}

func loadReportsTheLoginsInOrder(t *testing.T, e *env) {
	want := []string{"admin", "dispatcher", "operator", "handler_zgq", "handler_swq", "handler_cg",
		"inspector", "grid", "organiser", "appraiser", "leader"}
	var got []string
	for _, l := range e.logins {
		got = append(got, l.Username)
		if l.Role == "" || l.RoleEN == "" || l.Note == "" {
			t.Errorf("login %+v lacks a role or a note", l)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("logins %v, want %v", got, want)
	}
	if e.logins[0].Role != "系统管理员" || e.logins[0].RoleEN != "Administrator" {
		t.Errorf("admin role %q / %q", e.logins[0].Role, e.logins[0].RoleEN)
	}
	// Every built-in role has its demo account.
	roles := map[string]bool{}
	for _, l := range e.logins {
		roles[l.RoleEN] = true
	}
	for _, r := range account.BuiltinRoles {
		// A volunteer's account is made when an organiser approves the
		// volunteer: the volunteers' own demo seeding makes 'volunteer'.
		if r.Code == account.RoleVolunteer {
			continue
		}
		if !roles[r.NameEN] {
			t.Errorf("no demo account for role %s", r.Code)
		}
	}
}

func loadBuildsLeshan(t *testing.T, e *env) {
	countRegions := func(level org.Level) int {
		_, n, err := e.orgs.ListRegions(e.ctx, e.admin, org.RegionFilter{Level: level, Size: 1})
		must(t, err)
		return n
	}
	countUnits := func(kind org.UnitKind) int {
		_, n, err := e.orgs.ListUnits(e.ctx, e.admin, org.UnitFilter{Kind: kind, Size: 1})
		must(t, err)
		return n
	}
	if n := countRegions(org.LevelCity); n != 1 {
		t.Errorf("%d cities", n)
	}
	if n := countRegions(org.LevelDistrict); n != 11 {
		t.Errorf("%d districts, want 11", n)
	}
	streets := countRegions(org.LevelStreet)
	if streets < 8+2*10 {
		t.Errorf("only %d streets", streets)
	}
	if n := countRegions(org.LevelCommunity); n < 3*8+10 {
		t.Errorf("only %d communities", n)
	}
	if n := countRegions(org.LevelGrid); n < 2*3*8 {
		t.Errorf("only %d grids", n)
	}
	for kind, want := range map[org.UnitKind]int{org.KindHQ: 1, org.KindWorkGroup: 12, org.KindSupervisionGroup: 17,
		org.KindDistrictGov: 11, org.KindStreetOffice: streets, org.KindCompany: 3} {
		if n := countUnits(kind); n != want {
			t.Errorf("%d units of kind %s, want %d", n, kind, want)
		}
	}
	if n := countUnits(org.KindDepartment); n < 9 {
		t.Errorf("only %d departments", n)
	}

	// The city and its best-known district carry real codes and places.
	city, err := e.orgs.RegionByCode(e.ctx, "511100")
	must(t, err)
	if city.Name != "乐山市" || city.Lat == nil || *city.Lat < 29 || *city.Lat > 30 || *city.Lng < 103 || *city.Lng > 104.5 {
		t.Errorf("city %+v", city)
	}
	sz, err := e.orgs.RegionByCode(e.ctx, "511102")
	must(t, err)
	if sz.Name != "市中区" || sz.NameEN == "" || sz.ParentID != city.ID || sz.Lat == nil {
		t.Errorf("市中区 %+v", sz)
	}

	// Every street has exactly one street office, in that street, under
	// its district's government; every district has its government.
	offices, _, err := e.orgs.ListUnits(e.ctx, e.admin, org.UnitFilter{Kind: org.KindStreetOffice, Size: org.AllRows})
	must(t, err)
	byRegion := map[int64]org.Unit{}
	for _, u := range offices {
		if _, dup := byRegion[u.RegionID]; dup {
			t.Errorf("two street offices in region %d", u.RegionID)
		}
		byRegion[u.RegionID] = u
	}
	govs, _, err := e.orgs.ListUnits(e.ctx, e.admin, org.UnitFilter{Kind: org.KindDistrictGov, Size: org.AllRows})
	must(t, err)
	govOf := map[int64]int64{} // district region → government unit
	for _, g := range govs {
		govOf[g.RegionID] = g.ID
	}
	all, _, err := e.orgs.ListRegions(e.ctx, e.admin, org.RegionFilter{Level: org.LevelStreet, Size: org.AllRows})
	must(t, err)
	for _, s := range all {
		u, ok := byRegion[s.ID]
		if !ok {
			t.Errorf("street %s %s has no street office", s.Code, s.Name)
			continue
		}
		if govOf[s.ParentID] == 0 || u.ParentID != govOf[s.ParentID] {
			t.Errorf("street office %s is not under its district's government", u.Code)
		}
	}
	// The groups hang under the HQ; the names are the seed's.
	hq := e.unitID(t, "HQ")
	for _, code := range []string{"WG01", "WG12", "SG01", "SG17"} {
		u, err := e.orgs.GetUnit(e.ctx, e.admin, e.unitID(t, code))
		must(t, err)
		if u.ParentID != hq {
			t.Errorf("%s is not under the HQ", code)
		}
	}
	sg17, err := e.orgs.GetUnit(e.ctx, e.admin, e.unitID(t, "SG17"))
	must(t, err)
	if sg17.Name != "第十七督导组" {
		t.Errorf("SG17 is %q", sg17.Name)
	}
	zgq, err := e.orgs.GetUnit(e.ctx, e.admin, e.unitID(t, "ST-ZGQ"))
	must(t, err)
	if zgq.RegionName != "张公桥街道" || !regexp.MustCompile(`^1[3-9]\d{9}$`).MatchString(zgq.ContactPhone) {
		t.Errorf("ST-ZGQ %+v", zgq)
	}

	// Every department is paired with one to three communities of 市中区.
	depts, _, err := e.orgs.ListUnits(e.ctx, e.admin, org.UnitFilter{Kind: org.KindDepartment, Size: org.AllRows})
	must(t, err)
	for _, dp := range depts {
		ps, n, err := e.orgs.ListPairings(e.ctx, e.admin, org.PairingFilter{UnitID: dp.ID, Size: org.AllRows})
		must(t, err)
		if n < 1 || n > 3 {
			t.Errorf("%s has %d pairings", dp.Name, n)
		}
		for _, p := range ps {
			if !hasPrefix(p.RegionPath, sz.Path) || p.StartedOn[:4] != "2026" {
				t.Errorf("pairing %+v", p)
			}
		}
	}
}

func everyDemoUserCanLogIn(t *testing.T, e *env) {
	for _, l := range e.logins {
		p := e.principal(t, l.Username)
		if p.MustChange {
			t.Errorf("%s must change the password", l.Username)
		}
		if len(p.RoleNames) != 1 || p.RoleNames[0] != l.Role {
			t.Errorf("%s roles %v, want %s", l.Username, p.RoleNames, l.Role)
		}
		if p.DisplayName == "" {
			t.Errorf("%s has no display name", l.Username)
		}
	}
	if p := e.principal(t, "admin"); !p.Scope.All || !p.HasRole(account.RoleAdmin) {
		t.Errorf("admin: %+v", p)
	}
	grid := e.principal(t, "grid")
	if grid.RegionID != e.regionID(t, "511102-ZGQ-01-G1") || grid.UnitID != e.unitID(t, "ST-ZGQ") {
		t.Errorf("grid worker: %+v", grid)
	}
}

func secondLoadIsRefusedAndChangesNothing(t *testing.T, e *env) {
	snapshot := func() [4]int64 {
		r, u, p, err := e.orgs.Counts(e.ctx, e.admin)
		must(t, err)
		n, err := e.accounts.CountUsers(e.ctx)
		must(t, err)
		return [4]int64{int64(r), int64(u), int64(p), n}
	}
	before := snapshot()
	_, err := demo.Load(e.ctx, e.orgs, e.accounts)
	if x := errs.As(err); x == nil || x.Code != errs.Conflict || x.Key != "demo.not_empty" {
		t.Fatalf("second Load: %v", err)
	}
	if after := snapshot(); after != before {
		t.Fatalf("second Load changed %v into %v", before, after)
	}
}

func TestLoadRefusesADatabaseWithOnlyAUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		orgs, accounts := org.New(d, clk), account.New(d, clk)
		must(t, accounts.Bootstrap(ctx))
		_, err := accounts.CreateUser(ctx, nil, account.UserInput{Username: "root", DisplayName: "管理员", ScopeKind: auth.ScopeAll,
			Roles: []string{account.RoleAdmin}, Active: true, Password: "Wenming-2026"})
		must(t, err)
		_, err = demo.Load(ctx, orgs, accounts)
		if x := errs.As(err); x == nil || x.Code != errs.Conflict || x.Key != "demo.not_empty" {
			t.Fatalf("Load: %v", err)
		}
		if r, _, _, err := orgs.Counts(ctx, &auth.Principal{Perms: map[auth.Perm]bool{auth.PermOrgView: true}, Scope: auth.Scope{All: true}}); err != nil || r != 0 {
			t.Fatalf("regions %d, %v", r, err)
		}
	})
}

func oneDistrictCannotSeeAnother(t *testing.T, e *env) {
	swq := e.principal(t, "handler_swq")
	for _, code := range []string{"ST-ZGQ", "DIST-SZ", "ST-BS", "DEPT-CG", "HQ"} {
		if _, err := e.orgs.GetUnit(e.ctx, swq, e.unitID(t, code)); !errs.Is(err, errs.NotFound) {
			t.Errorf("handler_swq GetUnit %s: %v, want not found", code, err)
		}
	}
	for _, code := range []string{"511102", "511102-ZGQ", "511102-ZGQ-01"} {
		if _, err := e.orgs.GetRegion(e.ctx, swq, e.regionID(t, code)); !errs.Is(err, errs.NotFound) {
			t.Errorf("handler_swq GetRegion %s: %v, want not found", code, err)
		}
	}
	own, err := e.orgs.GetUnit(e.ctx, swq, e.unitID(t, "ST-SWZ"))
	must(t, err)
	if own.RegionName != "沙湾镇" {
		t.Errorf("own unit %+v", own)
	}
	// handler_zgq sees exactly 张公桥街道's subtree.
	zgq := e.principal(t, "handler_zgq")
	street, err := e.orgs.RegionByCode(e.ctx, "511102-ZGQ")
	must(t, err)
	regions, _, err := e.orgs.ListRegions(e.ctx, zgq, org.RegionFilter{Size: org.AllRows})
	must(t, err)
	if len(regions) < 1+3+6 {
		t.Errorf("handler_zgq sees only %d regions", len(regions))
	}
	for _, r := range regions {
		if !hasPrefix(r.Path, street.Path) {
			t.Errorf("handler_zgq sees %s %s", r.Code, r.Name)
		}
	}
	if _, err := e.orgs.GetUnit(e.ctx, zgq, e.unitID(t, "ST-SWZ")); !errs.Is(err, errs.NotFound) {
		t.Errorf("handler_zgq GetUnit ST-SWZ: %v, want not found", err)
	}
	// The grid worker sees their grid only.
	grid := e.principal(t, "grid")
	if _, err := e.orgs.GetRegion(e.ctx, grid, e.regionID(t, "511102-ZGQ-01-G2")); !errs.Is(err, errs.NotFound) {
		t.Errorf("grid worker sees a neighbouring grid: %v", err)
	}
}

func TestNotEmptyIsTranslated(t *testing.T) {
	for _, l := range i18n.Langs {
		if got := i18n.T(l, "demo.not_empty"); got == "" || got == "demo.not_empty" {
			t.Errorf("%s: demo.not_empty is %q", l, got)
		}
	}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
