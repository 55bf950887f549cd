// Package demo loads a demo city, modelled on Leshan (乐山), into an empty
// database: the region tree down to grids, the campaign's 1+12+17
// organisation, agencies, utilities, district and street governments,
// pairings, and one account per built-in role. Everything goes through the
// org and account services, so it is validated and audited like any other
// change.
package demo

import (
	"context"
	"fmt"
	"math"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
)

// Password is every demo account's password.
const Password = "wenming-demo"

// Login is one demo account, for the login page and the command's output.
type Login struct {
	Username string
	Role     string // the role's Chinese name
	RoleEN   string // the role's English name
	Note     string // where the account sits and what it sees
}

// ErrNotEmptyKey is the message key of the error Load returns when the
// database already holds regions, units, pairings or users.
const ErrNotEmptyKey = "demo.not_empty"

// viewer is the system looking at the whole tree, for the emptiness check:
// the org service's readers all want a principal.
var viewer = &auth.Principal{Username: "system", Perms: map[auth.Perm]bool{auth.PermOrgView: true}, Scope: auth.Scope{All: true}}

// Load fills an empty database with the demo city and returns the demo
// logins (password Password) in a fixed order: admin, dispatcher, operator,
// handler_zgq, handler_swq, handler_cg, inspector, grid, organiser,
// appraiser, leader. A database that already has any region, unit, pairing
// or user is refused with errs.Conflict "demo.not_empty" and left as it is.
//
// Each row is its own transaction (the services own theirs), so a failure
// half-way leaves a partial city behind; Load is meant for a new database,
// which can simply be deleted and loaded again.
func Load(ctx context.Context, orgs *org.Service, accounts *account.Service) ([]Login, error) {
	if err := accounts.Bootstrap(ctx); err != nil {
		return nil, fmt.Errorf("demo: seed roles: %w", err)
	}
	regions, units, pairings, err := orgs.Counts(ctx, viewer)
	if err != nil {
		return nil, fmt.Errorf("demo: count: %w", err)
	}
	users, err := accounts.CountUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo: count users: %w", err)
	}
	if regions+units+pairings > 0 || users > 0 {
		return nil, errs.E(errs.Conflict, ErrNotEmptyKey)
	}
	l := &loader{ctx: ctx, orgs: orgs, accounts: accounts, regions: map[string]int64{}, units: map[string]int64{}}
	steps := []func() error{l.loadRegions, l.loadUnits, l.loadAreas, l.loadPairings, l.loadUsers}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return l.logins, nil
}

// loader carries the ids of what it has created, by code.
type loader struct {
	ctx      context.Context
	orgs     *org.Service
	accounts *account.Service
	regions  map[string]int64 // region code → id
	units    map[string]int64 // unit code → id
	contacts int              // contact people handed out so far
	logins   []Login
}

// Region codes below the districts: <district code>-<street key>[-NN[-GN]].
func streetCode(d district, s street) string { return d.code + "-" + s.key }
func communityCode(d district, s street, i int) string {
	return fmt.Sprintf("%s-%02d", streetCode(d, s), i+1)
}
func gridCode(d district, s street, i, g int) string {
	return fmt.Sprintf("%s-G%d", communityCode(d, s, i), g+1)
}

func (l *loader) region(parent int64, level org.Level, code, name, en string, sort int, lat, lng *float64) error {
	r, err := l.orgs.CreateRegion(l.ctx, nil, org.RegionInput{ParentID: parent, Level: level, Code: code, Name: name, NameEN: en,
		Sort: sort, Lat: lat, Lng: lng})
	if err != nil {
		return fmt.Errorf("demo: region %s %s: %w", code, name, err)
	}
	l.regions[code] = r.ID
	return nil
}

func (l *loader) loadRegions() error {
	lat, lng := cityRegion.lat, cityRegion.lng
	if err := l.region(0, org.LevelCity, cityRegion.code, cityRegion.name, cityRegion.en, 0, &lat, &lng); err != nil {
		return err
	}
	city := l.regions[cityRegion.code]
	for di, d := range districts {
		lat, lng := d.lat, d.lng
		if err := l.region(city, org.LevelDistrict, d.code, d.name, d.en, di+1, &lat, &lng); err != nil {
			return err
		}
		for si, s := range d.streets {
			slat, slng := streetCentre(d, si)
			if err := l.region(l.regions[d.code], org.LevelStreet, streetCode(d, s), s.name, s.en, si+1, &slat, &slng); err != nil {
				return err
			}
			for ci, cm := range s.communities {
				code := communityCode(d, s, ci)
				clat, clng := around(slat, slng, communityRingM, ci, len(s.communities))
				if err := l.region(l.regions[streetCode(d, s)], org.LevelCommunity, code, cm.name, cm.en, ci+1, &clat, &clng); err != nil {
					return err
				}
				for g := range cm.grids {
					glat, glng := around(clat, clng, gridRingM, g, cm.grids)
					if err := l.region(l.regions[code], org.LevelGrid, gridCode(d, s, ci, g), gridNames[g],
						fmt.Sprintf("Grid %d", g+1), g+1, &glat, &glng); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// contact returns the next fictitious contact person and mobile number
// (138 0000 xxxx).
func (l *loader) contact() (name, phone string) {
	i := l.contacts
	l.contacts++
	return surnames[i%len(surnames)] + given[(i*7+3)%len(given)], fmt.Sprintf("1380000%04d", 101+i)
}

func (l *loader) unit(parent string, kind org.UnitKind, u unitDef, region string, sort int) error {
	name, phone := l.contact()
	out, err := l.orgs.CreateUnit(l.ctx, nil, org.UnitInput{ParentID: l.units[parent], Kind: kind, Code: u.code, Name: u.name, NameEN: u.en,
		RegionID: l.regions[region], ContactName: name, ContactPhone: phone, Active: true, Sort: sort})
	if err != nil {
		return fmt.Errorf("demo: unit %s %s: %w", u.code, u.name, err)
	}
	l.units[u.code] = out.ID
	return nil
}

// streetOffice is the unit of a street (街道办事处) or a town (镇人民政府).
func streetOffice(d district, s street) unitDef {
	if []rune(s.name)[len([]rune(s.name))-1] == '镇' {
		return unitDef{"ST-" + s.key, d.name + s.name + "人民政府", s.en + " Government, " + d.en}
	}
	return unitDef{"ST-" + s.key, d.name + s.name + "办事处", s.en + " Office, " + d.en}
}

func (l *loader) loadUnits() error {
	city := cityRegion.code
	if err := l.unit("", org.KindHQ, hq, city, 1); err != nil {
		return err
	}
	for i, wg := range workGroups {
		if err := l.unit(hq.code, org.KindWorkGroup, wg, city, i+1); err != nil {
			return err
		}
	}
	for i, n := range numerals {
		sg := unitDef{fmt.Sprintf("SG%02d", i+1), "第" + n + "督导组", fmt.Sprintf("Supervision Group %d", i+1)}
		if err := l.unit(hq.code, org.KindSupervisionGroup, sg, city, 100+i+1); err != nil {
			return err
		}
	}
	for i, dp := range departments {
		if err := l.unit("", org.KindDepartment, dp, city, 10+i); err != nil {
			return err
		}
	}
	for i, co := range companies {
		if err := l.unit("", org.KindCompany, co, city, 100+i); err != nil {
			return err
		}
	}
	for di, d := range districts {
		gov := unitDef{"DIST-" + d.key, d.govName, d.govEN}
		if err := l.unit("", org.KindDistrictGov, gov, d.code, 200+di); err != nil {
			return err
		}
		for si, s := range d.streets {
			if err := l.unit(gov.code, org.KindStreetOffice, streetOffice(d, s), streetCode(d, s), si+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadAreas gives the 17 supervision groups their areas so that every
// region is covered: the first group the city (so, by the nearest-ancestor
// rule, whatever no other group covers: the city centre, 市中区 as a whole
// and its first street); groups 2–8 the other streets and the town of
// 市中区; groups 9–17 the other ten districts and counties (金口河区 and 峨边
// are neighbours in the west and share one group).
func (l *loader) loadAreas() error {
	sz := districts[0]
	areas := map[int][]string{1: {cityRegion.code}}
	for i, s := range sz.streets[1:] {
		areas[2+i] = append(areas[2+i], streetCode(sz, s))
	}
	next := 2 + len(sz.streets) - 1
	groupOf := map[string]int{}
	for _, d := range districts[1:] {
		g, ok := groupOf["JKH"]
		if d.key != "EB" || !ok { // 峨边 goes with 金口河区
			g = next
			next++
		}
		groupOf[d.key] = g
		areas[g] = append(areas[g], d.code)
	}
	for g := 1; g <= len(numerals); g++ {
		code := fmt.Sprintf("SG%02d", g)
		ids := make([]int64, 0, len(areas[g]))
		for _, rc := range areas[g] {
			ids = append(ids, l.regions[rc])
		}
		if _, err := l.orgs.SetGroupAreas(l.ctx, nil, l.units[code], ids); err != nil {
			return fmt.Errorf("demo: areas of %s: %w", code, err)
		}
	}
	return nil
}

// loadPairings pairs every department with one to three communities of
// 市中区 (结对共建), spreading them over the district's streets.
func (l *loader) loadPairings() error {
	sz := districts[0]
	var comms []string
	for _, s := range sz.streets {
		for ci := range s.communities {
			comms = append(comms, communityCode(sz, s, ci))
		}
	}
	next := 0
	for i, dp := range departments {
		for k := range 1 + i%3 {
			comm := comms[(next*5)%len(comms)] // stride 5 walks across streets
			next++
			started := fmt.Sprintf("2026-%02d-%02d", 1+(i+k)%3, 5+((i*3+k*7)%20))
			if _, err := l.orgs.CreatePairing(l.ctx, nil, org.PairingInput{UnitID: l.units[dp.code], RegionID: l.regions[comm],
				StartedOn: started, Note: pairingNotes[(i+k)%len(pairingNotes)]}); err != nil {
				return fmt.Errorf("demo: pairing %s → %s: %w", dp.code, comm, err)
			}
		}
	}
	return nil
}

// demoUser is one account of the demo, one per built-in role.
type demoUser struct {
	username, display, phone string
	role                     string
	scope                    auth.ScopeKind
	unit                     string // unit code, "" for none
	region                   string // region code, "" for the unit's
	note                     string
}

func demoUsers() []demoUser {
	sz, sw := districts[0], districts[1]
	zgq, swz := sz.streets[0], sw.streets[0]
	return []demoUser{
		{"admin", "唐志远", "13800001001", account.RoleAdmin, auth.ScopeAll, "", "",
			"乐山市 system administrator: regions, units, users, roles, settings"},
		{"dispatcher", "王晓燕", "13800001002", account.RoleDispatcher, auth.ScopeAll, hq.code, "",
			hq.name + " dispatcher, sees everything"},
		{"operator", "李婷", "13800001003", account.RoleOperator, auth.ScopeAll, hq.code, "",
			hq.name + " hotline operator"},
		{"handler_zgq", "陈建国", "13800001004", account.RoleHandler, auth.ScopeRegion, "ST-" + zgq.key, streetCode(sz, zgq),
			sz.name + zgq.name + " unit handler"},
		{"handler_swq", "罗明华", "13800001005", account.RoleHandler, auth.ScopeRegion, "ST-" + swz.key, streetCode(sw, swz),
			sw.name + swz.name + " unit handler (cannot see " + sz.name + ")"},
		{"handler_cg", "刘德勇", "13800001006", account.RoleHandler, auth.ScopeUnit, "DEPT-CG", "",
			"市城市管理局 unit handler"},
		{"inspector", "张秀兰", "13800001007", account.RoleInspector, auth.ScopeUnit, "SG01", "",
			"第一督导组 inspector"},
		{"grid", "杨春梅", "13800001008", account.RoleGrid, auth.ScopeRegion, "ST-" + zgq.key, gridCode(sz, zgq, 0, 0),
			sz.name + zgq.name + zgq.communities[0].name + gridNames[0] + " grid worker"},
		{"organiser", "何静", "13800001009", account.RoleOrganiser, auth.ScopeUnit, "DEPT-WMB", "",
			"市文明办 volunteer organiser"},
		{"appraiser", "吴海峰", "13800001010", account.RoleAppraiser, auth.ScopeUnit, "DEPT-WMB", "",
			"市文明办 appraiser (star rating)"},
		{"leader", "赵国强", "13800001011", account.RoleLeader, auth.ScopeAll, hq.code, "",
			hq.name + " leader, read-only dashboards"},
	}
}

func (l *loader) loadUsers() error {
	roles := map[string]account.BuiltinRole{}
	for _, r := range account.BuiltinRoles {
		roles[r.Code] = r
	}
	for _, u := range demoUsers() {
		in := account.UserInput{Username: u.username, DisplayName: u.display, Phone: u.phone, ScopeKind: u.scope,
			Roles: []string{u.role}, Active: true, Password: Password, MustChange: false}
		if u.unit != "" {
			in.UnitID = l.units[u.unit]
		}
		if u.region != "" {
			in.RegionID = l.regions[u.region]
		}
		if _, err := l.accounts.CreateUser(l.ctx, nil, in); err != nil {
			return fmt.Errorf("demo: user %s: %w", u.username, err)
		}
		r := roles[u.role]
		l.logins = append(l.logins, Login{Username: u.username, Role: r.Name, RoleEN: r.NameEN, Note: u.note})
	}
	return nil
}

// Logins lists the demo accounts without loading anything, for the login
// page of a server started again on a database that already has the demo.
func Logins() []Login {
	roles := map[string]account.BuiltinRole{}
	for _, r := range account.BuiltinRoles {
		roles[r.Code] = r
	}
	var out []Login
	for _, u := range demoUsers() {
		r := roles[u.role]
		out = append(out, Login{Username: u.username, Role: r.Name, RoleEN: r.NameEN, Note: u.note})
	}
	return out
}

// Centres below the districts, so a citizen's report is placed in its
// community or grid (workorder.nearestRegion descends level by level):
// 市中区's streets have approximate real centres (streetCentres); the
// other districts' streets, and every community and grid, are laid out on
// a ring around their parent, for the demo only.
const (
	streetRingM    = 3500.0
	communityRingM = 550.0
	gridRingM      = 180.0
)

// streetCentre is a street's centre: its approximate real one where known,
// else a place on a ring around the district's centre.
func streetCentre(d district, i int) (lat, lng float64) {
	if c, ok := streetCentres[d.code+"-"+d.streets[i].key]; ok {
		return c[0], c[1]
	}
	return around(d.lat, d.lng, streetRingM, i, len(d.streets))
}

// around is the i-th of n places spaced evenly on a circle of r metres.
func around(lat, lng, r float64, i, n int) (float64, float64) {
	a := 2 * math.Pi * (float64(i) + 0.5) / float64(n)
	dLat := r * math.Cos(a) / 111_195
	dLng := r * math.Sin(a) / (111_195 * math.Cos(lat*math.Pi/180))
	return math.Round((lat+dLat)*1e6) / 1e6, math.Round((lng+dLng)*1e6) / 1e6
}
