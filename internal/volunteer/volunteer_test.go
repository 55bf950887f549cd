package volunteer_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/volunteer"
)

var today = time.Date(2026, 11, 29, 9, 0, 0, 0, clock.CST)

// idFor makes a valid resident ID number for a birth date (YYYYMMDD) and
// sequence (odd: male).
func idFor(birth string, seq int) string {
	first := fmt.Sprintf("110105%s%03d", birth, seq)
	return first + string(pii.CheckChar(first))
}

func keys(t testing.TB) *pii.Keyring {
	k, err := pii.ParseKeys("k1:"+pii.NewKey(), pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestValidate(t *testing.T) {
	ok := volunteer.Input{Name: "张三", Gender: "male", BirthDate: "1990-05-04", IDType: "resident", IDNumber: idFor("19900504", 1),
		Phone: "139 1234 5678", RegionID: 5, Skills: []string{"teaching", "first_aid"}, Availability: []string{"weekend_morning"}}
	minor := ok
	minor.BirthDate, minor.IDNumber = "2012-03-01", idFor("20120301", 1)
	cases := []struct {
		name  string
		edit  func(*volunteer.Input)
		field string // "" : valid
		key   string
	}{
		{"valid adult", func(*volunteer.Input) {}, "", ""},
		{"name required", func(in *volunteer.Input) { in.Name = "  " }, "name", "field.required"},
		{"name too long", func(in *volunteer.Input) { in.Name = string(make([]rune, 31)) }, "name", "field.too_long"},
		{"gender unknown", func(in *volunteer.Input) { in.Gender = "x" }, "gender", "field.bad_choice"},
		{"birth not a date", func(in *volunteer.Input) { in.BirthDate = "1990-02-30" }, "birth_date", "field.bad_date"},
		{"birth in the future", func(in *volunteer.Input) {
			in.BirthDate = "2027-01-01"
			in.IDType = "passport"
			in.IDNumber = "E12345678"
		}, "birth_date", "volunteer.bad_birth"},
		{"too young", func(in *volunteer.Input) {
			in.BirthDate = "2020-01-01"
			in.IDType = "passport"
			in.IDNumber = "E12345678"
		}, "birth_date", "volunteer.too_young"},
		{"ID check character wrong", func(in *volunteer.Input) { in.IDNumber = in.IDNumber[:17] + "0" }, "id_number", "volunteer.bad_id"},
		{"ID says another birth", func(in *volunteer.Input) { in.BirthDate = "1990-05-05" }, "birth_date", "volunteer.birth_mismatch"},
		{"ID says another gender", func(in *volunteer.Input) { in.Gender = "female" }, "gender", "volunteer.gender_mismatch"},
		{"ID type unknown", func(in *volunteer.Input) { in.IDType = "card" }, "id_type", "field.bad_choice"},
		{"passport number bad", func(in *volunteer.Input) { in.IDType = "passport"; in.IDNumber = "E1-2" }, "id_number", "volunteer.bad_doc"},
		{"passport fine", func(in *volunteer.Input) { in.IDType = "passport"; in.IDNumber = "E12345678" }, "", ""},
		{"landline is not a mobile", func(in *volunteer.Input) { in.Phone = "0833-2345678" }, "phone", "volunteer.bad_mobile"},
		{"home area required", func(in *volunteer.Input) { in.RegionID = 0 }, "region_id", "field.required"},
		{"unknown skill", func(in *volunteer.Input) { in.Skills = []string{"juggling"} }, "skills", "field.bad_choice"},
		{"unknown slot", func(in *volunteer.Input) { in.Availability = []string{"midnight"} }, "availability", "field.bad_choice"},
		{"minor without guardian", func(in *volunteer.Input) { *in = minor }, "guardian_name", "volunteer.guardian_required"},
		{"minor without consent", func(in *volunteer.Input) {
			*in = minor
			in.GuardianName, in.GuardianPhone = "张父", "13812345678"
		}, "guardian_consent", "volunteer.consent_required"},
		{"minor with consent", func(in *volunteer.Input) {
			*in = minor
			in.GuardianName, in.GuardianPhone, in.GuardianConsent = "张父", "13812345678", true
		}, "", ""},
		{"18 today is an adult", func(in *volunteer.Input) {
			in.BirthDate, in.IDNumber = "2008-11-29", idFor("20081129", 1)
		}, "", ""},
		{"18 tomorrow is a minor", func(in *volunteer.Input) {
			in.BirthDate, in.IDNumber = "2008-11-30", idFor("20081130", 1)
		}, "guardian_name", "volunteer.guardian_required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			var f errs.Fields
			in.Validate(&f, today)
			e := errs.As(f.Err())
			if c.field == "" {
				if e != nil {
					t.Fatalf("want valid, got %v", e.Fields)
				}
				return
			}
			if e == nil || e.Fields[c.field].Key != c.key {
				t.Fatalf("want %s: %s, got %+v", c.field, c.key, e)
			}
		})
	}
}

func TestAgeOn(t *testing.T) {
	b := time.Date(2008, 2, 29, 0, 0, 0, 0, clock.CST)
	for _, c := range []struct {
		day  string
		want int
	}{{"2026-02-28", 17}, {"2026-03-01", 18}, {"2028-02-29", 20}, {"2008-02-29", 0}} {
		d, _ := time.ParseInLocation(time.DateOnly, c.day, clock.CST)
		if got := volunteer.AgeOn(b, d); got != c.want {
			t.Errorf("%s: age %d, want %d", c.day, got, c.want)
		}
	}
}

type fixture struct {
	d        *db.DB
	svc      *volunteer.Service
	org      *auth.Principal // organiser of the city office (unit scope)
	street   *auth.Principal // organiser scoped to one street (region scope)
	regions  map[string]int64
	accounts *account.Service
	unit     int64
}

func setup(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	account.UseCheapHashingInTests()
	ctx := context.Background()
	c := clock.NewFake(today)
	acc := account.New(d, c)
	if err := acc.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	o := org.New(d, c)
	fx := &fixture{d: d, regions: map[string]int64{}, accounts: acc}
	mk := func(parent, level, code, name string) {
		r, err := o.CreateRegion(ctx, nil, org.RegionInput{ParentID: fx.regions[parent], Level: org.Level(level), Code: code, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		fx.regions[code] = r.ID
	}
	mk("", "city", "C", "乐山市")
	mk("C", "district", "D", "市中区")
	mk("D", "street", "S1", "张公桥街道")
	mk("S1", "community", "S1C1", "张公桥社区")
	mk("D", "street", "S2", "泊水街道")
	mk("S2", "community", "S2C1", "叮咚街社区")
	u, err := o.CreateUnit(ctx, nil, org.UnitInput{Kind: org.UnitKinds[0], Code: "WMB", Name: "市文明办", RegionID: fx.regions["C"], Active: true})
	if err != nil {
		t.Fatal(err)
	}
	so, err := o.CreateUnit(ctx, nil, org.UnitInput{Kind: org.KindStreetOffice, Code: "ST-S2", Name: "泊水街道办事处", RegionID: fx.regions["S2"], Active: true})
	if err != nil {
		t.Fatal(err)
	}
	user := func(name string, in account.UserInput) *auth.Principal {
		in.Username, in.DisplayName, in.Active, in.Password = name, name, true, "Volunteer-2026-ok"
		in.Roles = []string{account.RoleOrganiser}
		id, err := acc.CreateUser(ctx, nil, in)
		if err != nil {
			t.Fatal(err)
		}
		p, err := acc.Principal(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	fx.org = user("organiser", account.UserInput{UnitID: u.ID, ScopeKind: auth.ScopeUnit})
	fx.street = user("street_org", account.UserInput{UnitID: so.ID, ScopeKind: auth.ScopeRegion})
	fx.svc = volunteer.New(d, c, keys(t), acc)
	fx.unit = u.ID
	return fx
}

// secondOrganiser is another organiser of the city office.
func (fx *fixture) secondOrganiser(t *testing.T) *auth.Principal {
	t.Helper()
	ctx := context.Background()
	id, err := fx.accounts.CreateUser(ctx, nil, account.UserInput{Username: "organiser2", DisplayName: "organiser2", Active: true,
		Password: "Volunteer-2026-ok", Roles: []string{account.RoleOrganiser}, UnitID: fx.unit, ScopeKind: auth.ScopeUnit})
	if err != nil {
		t.Fatal(err)
	}
	p, err := fx.accounts.Principal(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (fx *fixture) input(name, phone, birth string, seq int, region string) volunteer.Input {
	return volunteer.Input{Name: name, Gender: "male", BirthDate: birth[:4] + "-" + birth[4:6] + "-" + birth[6:], IDType: "resident",
		IDNumber: idFor(birth, seq), Phone: phone, RegionID: fx.regions[region], Skills: []string{"teaching"}}
}

func TestRegisterApproveAndScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		id, err := fx.svc.Register(ctx, fx.input("李四", "13900000001", "19900504", 1, "S1C1"))
		if err != nil {
			t.Fatal(err)
		}
		// The ID number is stored encrypted, never in clear.
		var stored, mask string
		if err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "x", "SELECT id_number_enc, id_number_mask FROM volunteers WHERE id = ?", []any{id}, &stored, &mask)
		}); err != nil {
			t.Fatal(err)
		}
		if stored == "" || bytes.Contains([]byte(stored), []byte("19900504")) || mask != pii.MaskID(idFor("19900504", 1)) {
			t.Fatalf("ID stored as %q, mask %q", stored, mask)
		}
		// The same phone or ID again is refused on its field.
		_, err = fx.svc.Register(ctx, fx.input("王五", "13900000001", "19910101", 3, "S1C1"))
		if e := errs.As(err); e == nil || e.Fields["phone"].Key != "volunteer.phone_taken" {
			t.Fatalf("second phone: %v", err)
		}
		_, err = fx.svc.Register(ctx, fx.input("王五", "13900000002", "19900504", 1, "S1C1"))
		if e := errs.As(err); e == nil || e.Fields["id_number"].Key != "volunteer.id_taken" {
			t.Fatalf("second ID: %v", err)
		}
		// The street organiser of S2 cannot see an S1 volunteer: 404.
		if _, err := fx.svc.Get(ctx, fx.street, id); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other street: %v", err)
		}
		if _, err := fx.svc.Approve(ctx, fx.street, id); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other street approves: %v", err)
		}
		v, err := fx.svc.Approve(ctx, fx.org, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Number != "ZY2026000001" || v.Status != volunteer.StatusApproved {
			t.Fatalf("approved as %+v", v)
		}
		if _, err := fx.svc.Approve(ctx, fx.org, id); !errs.Is(err, errs.Conflict) {
			t.Fatalf("approve twice: %v", err)
		}
		// Approval gives a login of the volunteer role, own record only.
		l, err := fx.svc.CreateLogin(ctx, fx.org, id)
		if err != nil {
			t.Fatal(err)
		}
		if l.Username != "13900000001" || l.Password == "" {
			t.Fatalf("login %+v", l)
		}
		res, err := fx.accounts.Login(ctx, account.LoginInput{Username: l.Username, Password: l.Password, IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		vp, err := fx.accounts.Principal(ctx, res.UserID)
		if err != nil {
			t.Fatal(err)
		}
		mine, err := fx.svc.Mine(ctx, vp)
		if err != nil || mine.ID != id {
			t.Fatalf("mine: %+v %v", mine, err)
		}
		other, err := fx.svc.Register(ctx, fx.input("赵六", "13900000003", "19920202", 5, "S2C1"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.Get(ctx, vp, other); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a volunteer reads another: %v", err)
		}
		if _, _, err := fx.svc.List(ctx, vp, volunteer.Filter{}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("a volunteer lists: %v", err)
		}
		rows, total, err := fx.svc.List(ctx, fx.street, volunteer.Filter{})
		if err != nil || total != 1 || rows[0].ID != other {
			t.Fatalf("street list: %d %v", total, err)
		}
		if err := fx.svc.Reject(ctx, fx.street, other, ""); errs.As(err) == nil || errs.As(err).Fields["reason"].Key != "field.required" {
			t.Fatalf("reject without reason: %v", err)
		}
		if err := fx.svc.Reject(ctx, fx.street, other, "信息不全"); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.Approve(ctx, fx.org, other); !errs.Is(err, errs.Conflict) {
			t.Fatalf("approve rejected: %v", err)
		}
		// Only pii.reveal opens the ID number.
		if _, err := fx.svc.RevealID(ctx, fx.org, id); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("organiser reveals: %v", err)
		}
	})
}

func TestNoKeyNoIDNumber(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d)
		fx.svc.PII = nil
		_, err := fx.svc.Register(context.Background(), fx.input("李四", "13900000001", "19900504", 1, "S1C1"))
		if e := errs.As(err); e == nil || e.Fields["id_number"].Key != "volunteer.no_pii_key" {
			t.Fatalf("no key: %v", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM volunteers"); n != 0 {
			t.Fatalf("%d rows written", n)
		}
	})
}

func count(t *testing.T, d *db.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(context.Background(), q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// Approvals racing on two instances (two connection pools on one
// database) give every volunteer a different number, in one unbroken run.
func TestNumbersUniqueUnderConcurrentApprovals(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) { concurrentApprovals(t, e) })
	}
}

func concurrentApprovals(t *testing.T, e db.Engine) {
	{
		ctx := context.Background()
		dsn := dbtest.DSN(t, e)
		open := func() *db.DB {
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return d
		}
		d := open()
		if _, err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		fx := setup(t, d)
		second := volunteer.New(open(), fx.svc.Clock, fx.svc.PII, fx.accounts)
		const n = 16
		ids := make([]int64, n)
		for i := range ids {
			id, err := fx.svc.Register(ctx, fx.input(fmt.Sprintf("志愿者%d", i), fmt.Sprintf("139000001%02d", i), "19900504", 2*i+1, "S1C1"))
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = id
		}
		var wg sync.WaitGroup
		nums := make([]string, n)
		errc := make(chan error, n)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := fx.svc
				if i%2 == 1 {
					svc = second
				}
				v, err := svc.Approve(ctx, fx.org, id)
				if err != nil {
					errc <- err
					return
				}
				nums[i] = v.Number
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Fatal(err)
		}
		slices.Sort(nums)
		for i, num := range nums {
			if want := fmt.Sprintf("ZY2026%06d", i+1); num != want {
				t.Fatalf("numbers %v", nums)
			}
		}
	}
}

func workbook(t *testing.T, rows [][]any) []byte {
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
	return b.Bytes()
}

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		head := []any{"姓名", "性别", "出生日期", "证件类型", "证件号码", "手机号码", "居住地区编码", "技能特长", "可服务时段", "中共党员", "监护人姓名", "监护人电话", "监护人同意"}
		good1 := []any{"张一", "男", "1990-05-04", "居民身份证", idFor("19900504", 1), "13900000011", "S1C1", "教育辅导、应急救护", "周末上午", "是"}
		good2 := []any{"王二", "female", "1985/07/08", "passport", "E12345678", "13900000012", "S2C1", "", "", "否"}
		bad := [][]any{head, good1,
			{"", "男", "1990-05-04", "居民身份证", idFor("19900504", 3), "13900000013", "S1C1"},   // row 3: no name
			{"李三", "男", "1990-05-04", "居民身份证", idFor("19900504", 5), "13900000011", "NOPE"}, // row 4: twin phone, no region
			{"赵四", "男", "2012-03-01", "居民身份证", idFor("20120301", 1), "13900000014", "S1C1"}, // row 5: minor without guardian
			good2,
		}
		res, err := fx.svc.Import(ctx, fx.org, workbook(t, bad))
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 0 || count(t, d, "SELECT COUNT(*) FROM volunteers") != 0 || count(t, d, "SELECT COUNT(*) FROM volunteer_counters") != 0 {
			t.Fatalf("a bad file saved something: %+v", res)
		}
		got := map[string]string{}
		for _, e := range res.Errors {
			got[fmt.Sprintf("%d/%s", e.Row, e.Field)] = e.Key
		}
		want := map[string]string{"3/name": "field.required", "4/phone": "volunteer.import.twin", "4/region_code": "volunteer.import.no_region",
			"5/guardian_name": "volunteer.guardian_required", "5/guardian_consent": "volunteer.consent_required"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: got %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		// The street organiser may not import into another street.
		res, err = fx.svc.Import(ctx, fx.street, workbook(t, [][]any{head, good1}))
		if err != nil || len(res.Errors) != 1 || res.Errors[0].Field != "region_code" {
			t.Fatalf("other street: %+v %v", res, err)
		}
		if _, err := fx.svc.Import(ctx, fx.org, []byte("not a workbook")); !errs.Is(err, errs.Invalid) {
			t.Fatalf("not a workbook: %v", err)
		}
		res, err = fx.svc.Import(ctx, fx.org, workbook(t, [][]any{head, good1, good2}))
		if err != nil || res.Created != 2 || len(res.Errors) != 0 {
			t.Fatalf("good file: %+v %v", res, err)
		}
		rows, _, err := fx.svc.List(ctx, fx.org, volunteer.Filter{Status: volunteer.StatusApproved})
		if err != nil || len(rows) != 2 || rows[1].Number != "ZY2026000001" || !rows[1].PartyMember ||
			!slices.Equal(rows[1].Skills, []string{"first_aid", "teaching"}) || rows[0].Gender != volunteer.Female {
			t.Fatalf("imported %+v %v", rows, err)
		}
		// Importing the same again: every row already registered, nothing saved.
		res, err = fx.svc.Import(ctx, fx.org, workbook(t, [][]any{head, good1}))
		if err != nil || res.Created != 0 || len(res.Errors) != 2 || count(t, d, "SELECT COUNT(*) FROM volunteers") != 2 {
			t.Fatalf("again: %+v %v", res, err)
		}
	})
}

func TestSeedDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		n, err := fx.svc.SeedDemo(ctx, "Demo-Password-2026")
		if err != nil || n != volunteer.DemoVolunteers {
			t.Fatalf("seed: %d %v", n, err)
		}
		if c := count(t, d, "SELECT COUNT(DISTINCT number) FROM volunteers WHERE status = 'approved'"); c < 300 {
			t.Fatalf("%d approved", c)
		}
		if c := count(t, d, "SELECT COALESCE(SUM(credited_minutes), 0) FROM attendance WHERE state = 'confirmed'"); c < 15000*60 {
			t.Fatalf("demo hours %d", c/60)
		}
		if c := count(t, d, "SELECT COUNT(*) FROM volunteers WHERE guardian_consent"); c == 0 {
			t.Fatal("no minors")
		}
		figs, err := fx.svc.Figures(ctx, fx.org, figures.Scope{From: "2026-01-01", To: "2026-12-31"})
		if err != nil || figs[volunteer.FigHours] < 15000 || figs[volunteer.FigVolunteers] < 300 || figs[volunteer.FigTeams] != 35 ||
			figs[volunteer.FigSessions] == 0 || figs[volunteer.FigActivities] == 0 || figs[volunteer.FigParty] == 0 {
			t.Fatalf("figures %v %v", figs, err)
		}
		// The same figure through the registry.
		f, _ := figures.Get(volunteer.FigureID(volunteer.FigHours))
		if v, err := f.Compute(volunteer.FiguresContext(ctx, fx.svc), fx.org, figures.Scope{From: "2026-01-01", To: "2026-12-31"}); err != nil || v.Count != figs[volunteer.FigHours] {
			t.Fatalf("registry %v %v", v, err)
		}
		// The street organiser's scope counts less.
		if sf, _ := fx.svc.Figures(ctx, fx.street, figures.Scope{From: "2026-01-01", To: "2026-12-31"}); sf[volunteer.FigHours] >= figs[volunteer.FigHours] {
			t.Fatalf("street %v", sf)
		}
		vols, teams, err := fx.svc.Rankings(ctx, fx.org, "2026-01-01", "2026-12-31", 10)
		if err != nil || len(vols) != 10 || len(teams) != 10 || vols[0].Minutes < vols[9].Minutes || teams[0].Minutes < teams[9].Minutes {
			t.Fatalf("rankings %v %v %v", vols, teams, err)
		}
		if n, err := fx.svc.SeedDemo(ctx, ""); err != nil || n != 0 {
			t.Fatalf("second seed: %d %v", n, err)
		}
		res, err := fx.accounts.Login(ctx, account.LoginInput{Username: "volunteer", Password: "Demo-Password-2026", IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		vp, _ := fx.accounts.Principal(ctx, res.UserID)
		if _, err := fx.svc.Mine(ctx, vp); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStationsAndTeams(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		key := func(err error, field string) string {
			if e := errs.As(err); e != nil {
				return e.Fields[field].Key
			}
			return ""
		}
		// An institute before its centre, or a station on the city, is refused.
		_, err := fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions["S1"], Name: "张公桥实践所"})
		if key(err, "region_id") != "volunteer.station_parent_missing" {
			t.Fatalf("no centre: %v", err)
		}
		_, err = fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions["C"], Name: "市"})
		if key(err, "region_id") != "volunteer.station_level" {
			t.Fatalf("city: %v", err)
		}
		centre, err := fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions["D"], Name: "市中区新时代文明实践中心"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions["D"], Name: "again"}); key(err, "region_id") != "volunteer.station_exists" {
			t.Fatalf("twice: %v", err)
		}
		inst, err := fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions["S1"], Name: "张公桥实践所", ContactPhone: "0833-2123456"})
		if err != nil {
			t.Fatal(err)
		}
		st, err := fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions["S1C1"], Name: "张公桥社区实践站"})
		if err != nil {
			t.Fatal(err)
		}
		// The S2 street organiser may not build in S1, nor see S1's stations.
		if _, err = fx.svc.CreateStation(ctx, fx.street, volunteer.StationInput{RegionID: fx.regions["S1C1"], Name: "x"}); key(err, "region_id") != "field.bad_choice" {
			t.Fatalf("other street: %v", err)
		}
		if _, err := fx.svc.Station(ctx, fx.street, st); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other street reads: %v", err)
		}
		lat, lng := 29.58, 103.74
		if _, err := fx.svc.AddPlace(ctx, fx.org, st, volunteer.PlaceInput{Name: "服务大厅", Lat: &lat}); key(err, "lat") != "volunteer.point_pair" {
			t.Fatalf("half a point: %v", err)
		}
		if _, err := fx.svc.AddPlace(ctx, fx.org, st, volunteer.PlaceInput{Name: "服务大厅", Address: "张公桥路1号", Lat: &lat, Lng: &lng}); err != nil {
			t.Fatal(err)
		}
		x, err := fx.svc.Station(ctx, fx.org, st)
		if err != nil || len(x.Places) != 1 || *x.Places[0].Lng != lng || x.Level != volunteer.LevelStation {
			t.Fatalf("station %+v %v", x, err)
		}
		all, err := fx.svc.Stations(ctx, fx.org)
		if err != nil || len(all) != 3 || all[0].ID != centre || all[1].ID != inst || all[1].Depth != 1 || all[2].Depth != 2 {
			t.Fatalf("tree %+v %v", all, err)
		}
		// Teams and members by volunteer number.
		tid, err := fx.svc.CreateTeam(ctx, fx.org, volunteer.TeamInput{Name: "张公桥红马甲志愿服务队", RegionID: fx.regions["S1"], StationID: inst})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.CreateTeam(ctx, fx.org, volunteer.TeamInput{Name: "张公桥红马甲志愿服务队", RegionID: fx.regions["S1"]}); key(err, "name") != "volunteer.team_exists" {
			t.Fatalf("same name: %v", err)
		}
		vid, _ := fx.svc.Register(ctx, fx.input("李四", "13900000001", "19900504", 1, "S1C1"))
		if err := fx.svc.AddMember(ctx, fx.org, tid, "ZY2026000001", true); key(err, "number") != "volunteer.no_such_number" {
			t.Fatalf("pending volunteer added: %v", err)
		}
		v, _ := fx.svc.Approve(ctx, fx.org, vid)
		if err := fx.svc.AddMember(ctx, fx.org, tid, strings.ToLower(v.Number), true); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.AddMember(ctx, fx.street, tid, v.Number, false); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other street adds: %v", err)
		}
		team, err := fx.svc.Team(ctx, fx.org, tid)
		if err != nil || team.Members != 1 || len(team.Leaders) != 1 || team.StationName != "张公桥实践所" {
			t.Fatalf("team %+v %v", team, err)
		}
		if err := fx.svc.RemoveMember(ctx, fx.org, tid, vid); err != nil {
			t.Fatal(err)
		}
		if ts, err := fx.svc.Teams(ctx, fx.org, "红马甲"); err != nil || len(ts) != 1 || ts[0].Members != 0 {
			t.Fatalf("teams %+v %v", ts, err)
		}
	})
}

type volunteerLogin struct{ p *auth.Principal }

func (fx *fixture) login(t *testing.T, l volunteer.Login) *volunteerLogin {
	t.Helper()
	res, err := fx.accounts.Login(context.Background(), account.LoginInput{Username: l.Username, Password: l.Password, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := fx.accounts.Principal(context.Background(), res.UserID)
	if err != nil {
		t.Fatal(err)
	}
	return &volunteerLogin{p: p}
}
