package workorder

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Urgency is an urgency class with its default limits. The first limit is
// how long the unit has to acknowledge (the standard's dispatch/response
// time), the second how long it has to resolve (its feedback time).
type Urgency struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en"`
	AckHours     int       `json:"ack_hours"`
	ResolveValue int       `json:"resolve_value"`
	ResolveUnit  LimitUnit `json:"resolve_unit"`
	Sort         int       `json:"sort"`
}

// Urgency class codes.
const (
	UrgencyUrgent  = "urgent"
	UrgencyUtility = "utility"
	UrgencyGeneral = "general"
	UrgencyComplex = "complex"
)

// Urgencies are the classes of Beijing's DB11/T 2021—2022 (12345 hotline
// service and management): urgent 1 h / 2 h; water, power, gas, heating and
// extreme weather 2 h / 24 h; general 24 h / 7 days; complex 15 days. The
// standard's "days" for complex matters are read as working days. They are
// seeded as data and a category may override its own limits.
var Urgencies = []Urgency{
	{UrgencyUrgent, "紧急类", "Urgent", 1, 2, Hours, 1},
	{UrgencyUtility, "水电气热及极端天气类", "Utilities and extreme weather", 2, 24, Hours, 2},
	{UrgencyGeneral, "一般类", "General", 24, 7, CalendarDays, 3},
	{UrgencyComplex, "复杂疑难类", "Complex", 24, 15, WorkingDays, 4},
}

func urgency(code string) (Urgency, bool) {
	for _, u := range Urgencies {
		if u.Code == code {
			return u, true
		}
	}
	return Urgency{}, false
}

// Category is a kind of problem. A group (ParentID 0) only holds
// categories; orders use the categories below a group.
type Category struct {
	ID           int64     `json:"id"`
	ParentID     int64     `json:"parent_id"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en"`
	UnitID       int64     `json:"unit_id"` // default lead unit, 0: none
	Urgency      string    `json:"urgency"`
	AckHours     int       `json:"ack_hours"`
	ResolveValue int       `json:"resolve_value"`
	ResolveUnit  LimitUnit `json:"resolve_unit"`
	Public       bool      `json:"public"` // citizens may choose it
	Active       bool      `json:"active"`
	// EvidenceRequired: a resolution must carry a photo of the result.
	EvidenceRequired bool      `json:"evidence_required"`
	Sort             int       `json:"sort"`
	Group            bool      `json:"group"` // a group: ParentID is 0
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	GroupName        string    `json:"group_name"`
	GroupNameEN      string    `json:"group_name_en"`
	UnitName         string    `json:"unit_name"`
	UnitNameEN       string    `json:"unit_name_en"`
}

// IsGroup reports whether the category is a group.
func (c *Category) IsGroup() bool { return c.ParentID == 0 }

// Pickable is the one rule for which categories an order may be filed or
// recategorised under: an active category, not a group; for a citizen (the
// report page, the public API, Open311) also one marked public. The
// rectifications' category (kind.go) is never picked: only the inspection
// files under it.
func (c *Category) Pickable(citizen bool) bool {
	return !c.IsGroup() && c.Active && (c.Public || !citizen) && c.Code != RectificationCategory
}

// LocalName is the name in the language ("en" or Chinese).
func (c *Category) LocalName(lang string) string {
	if strings.HasPrefix(lang, "en") && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

type categoryDef struct {
	code, name, en, group, unit, urgency string
	public                               bool
}

// categoryGroups and seedCategories are the categories a new city starts
// with. Unit codes are those of the demo city; a missing unit leaves the
// category without a default unit (the dispatcher chooses).
var categoryGroups = []categoryDef{
	{"G-CITY", "市容环境", "City appearance and environment", "", "", UrgencyGeneral, true},
	{"G-TRAFFIC", "交通秩序", "Traffic order", "", "", UrgencyGeneral, true},
	{"G-FACILITY", "市政设施", "Municipal facilities", "", "", UrgencyGeneral, true},
	{"G-UTILITY", "水电气热", "Water, power, gas and heating", "", "", UrgencyUtility, true},
	{"G-MARKET", "市场监管", "Market regulation", "", "", UrgencyGeneral, true},
	{"G-LIVING", "民生服务", "Livelihood services", "", "", UrgencyGeneral, true},
	{"G-CIVIL", "文明行为", "Civilised behaviour", "", "", UrgencyGeneral, true},
	{"G-OTHER", "其他", "Other", "", "", UrgencyGeneral, true},
	{"G-INSPECT", "督查整改", "Inspection findings", "", "", UrgencyGeneral, false},
}

var seedCategories = []categoryDef{
	{"STREET_VENDING", "占道经营", "Street vending", "G-CITY", "DEPT-CG", UrgencyGeneral, true},
	{"FLYERS", "小广告", "Illegal flyers and posters", "G-CITY", "DEPT-CG", UrgencyGeneral, true},
	{"RUBBISH", "垃圾乱堆", "Rubbish dumping", "G-CITY", "DEPT-CG", UrgencyGeneral, true},
	{"COOKING_FUMES", "油烟扰民", "Cooking fumes", "G-CITY", "DEPT-HB", UrgencyGeneral, true},
	{"ILLEGAL_BUILDING", "违章搭建", "Illegal building", "G-CITY", "DEPT-CG", UrgencyComplex, true},
	{"GREENERY", "绿化养护", "Greenery and trees", "G-CITY", "DEPT-CG", UrgencyGeneral, true},
	{"PUBLIC_TOILET", "公厕管理", "Public toilets", "G-CITY", "DEPT-CG", UrgencyGeneral, true},
	{"NOISE", "噪音扰民", "Noise", "G-CITY", "DEPT-HB", UrgencyGeneral, true},
	{"PARKING", "乱停车", "Illegal parking", "G-TRAFFIC", "DEPT-JJ", UrgencyGeneral, true},
	{"TRAFFIC_SIGNAL", "信号灯故障", "Broken traffic signal", "G-TRAFFIC", "DEPT-JJ", UrgencyUrgent, true},
	{"BUS_SERVICE", "公交服务", "Bus service", "G-TRAFFIC", "DEPT-JT", UrgencyGeneral, true},
	{"ROAD_DAMAGE", "道路破损", "Broken road", "G-FACILITY", "DEPT-ZJ", UrgencyGeneral, true},
	{"MANHOLE", "井盖缺失", "Missing manhole cover", "G-FACILITY", "DEPT-ZJ", UrgencyUrgent, true},
	{"STREET_LIGHT", "路灯不亮", "Street light out", "G-FACILITY", "DEPT-CG", UrgencyGeneral, true},
	{"WATERLOGGING", "积水倒树等极端天气险情", "Flooding or fallen trees in extreme weather", "G-FACILITY", "DEPT-CG", UrgencyUtility, true},
	{"WATER", "供水", "Water supply", "G-UTILITY", "CO-WATER", UrgencyUtility, true},
	{"POWER", "供电", "Power supply", "G-UTILITY", "CO-POWER", UrgencyUtility, true},
	{"GAS", "燃气", "Gas supply", "G-UTILITY", "CO-GAS", UrgencyUtility, true},
	{"HEATING", "供暖", "Heating", "G-UTILITY", "DEPT-ZJ", UrgencyUtility, true},
	{"FOOD_SAFETY", "食品安全", "Food safety", "G-MARKET", "DEPT-SJ", UrgencyGeneral, true},
	{"MARKET_ORDER", "农贸市场秩序", "Farmers' market order", "G-MARKET", "DEPT-SJ", UrgencyGeneral, true},
	{"PROPERTY", "物业纠纷", "Property management disputes", "G-LIVING", "DEPT-ZJ", UrgencyComplex, true},
	{"WAGE_ARREARS", "拖欠工资", "Unpaid wages", "G-LIVING", "DEPT-RS", UrgencyComplex, true},
	{"SCHOOL_PLACES", "入学", "School places", "G-LIVING", "DEPT-JY", UrgencyComplex, true},
	{"ELDERLY_CARE", "养老服务", "Care for the elderly", "G-LIVING", "DEPT-MZ", UrgencyGeneral, true},
	{"PETS", "宠物扰民", "Pets and dogs", "G-CIVIL", "DEPT-GA", UrgencyGeneral, true},
	{"NEIGHBOUR", "邻里纠纷", "Neighbour disputes", "G-CIVIL", "", UrgencyGeneral, true},
	{"UNCIVIL", "不文明行为", "Uncivil behaviour", "G-CIVIL", "DEPT-WMB", UrgencyGeneral, true},
	{"POLICY_QUERY", "政策咨询", "Policy questions", "G-OTHER", "", UrgencyGeneral, false},
	{"OTHER", "其他问题", "Other problems", "G-OTHER", "", UrgencyGeneral, true},
	// Filed only by the inspection (kind.go): the unit comes from the site.
	{RectificationCategory, "督查发现问题整改", "Rectification of an inspection finding", "G-INSPECT", "", UrgencyGeneral, false},
}

// SeedCategories inserts the urgency classes, category groups and
// categories that are missing (by code), with default units looked up in
// unitCodes (unit code → id). Existing rows are left as an admin made
// them, so it is safe to run at every start.
func SeedCategories(ctx context.Context, tx *db.Tx, now time.Time, unitCodes map[string]int64) error {
	for _, u := range Urgencies {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorder_urgencies WHERE code = ?", u.Code)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO workorder_urgencies (code, name, name_en, ack_hours, resolve_value, resolve_unit, sort)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.Code, u.Name, u.NameEN, u.AckHours, u.ResolveValue, string(u.ResolveUnit), u.Sort); err != nil {
			return err
		}
	}
	ids := map[string]int64{}
	add := func(d categoryDef, sort int) error {
		var id int64
		err := tx.Get(ctx, "workorder.entity.category", "SELECT id FROM workorder_categories WHERE code = ?", []any{d.code}, &id)
		if err == nil {
			ids[d.code] = id
			return nil
		}
		if !errs.Is(err, errs.NotFound) {
			return err
		}
		u, _ := urgency(d.urgency)
		var parent, unit any
		if d.group != "" {
			parent = ids[d.group]
		}
		if uid, ok := unitCodes[d.unit]; ok && d.unit != "" {
			unit = uid
		}
		id, err = tx.InsertID(ctx, `INSERT INTO workorder_categories (parent_id, code, name, name_en, unit_id, urgency,
			ack_hours, resolve_value, resolve_unit, public, active, sort, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?) RETURNING id`,
			parent, d.code, d.name, d.en, unit, u.Code, u.AckHours, u.ResolveValue, string(u.ResolveUnit), d.public,
			sort, now.UnixMilli(), now.UnixMilli())
		ids[d.code] = id
		return err
	}
	for i, g := range categoryGroups {
		if err := add(g, (i+1)*10); err != nil {
			return err
		}
	}
	for i, c := range seedCategories {
		if err := add(c, (i+1)*10); err != nil {
			return err
		}
	}
	return nil
}

// SeedHolidays inserts the calendar rows that are missing.
func SeedHolidays(ctx context.Context, tx *db.Tx, days []HolidayDay) error {
	for _, h := range days {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM holidays WHERE day = ?", h.Day)
		if err != nil {
			return err
		}
		if n == 0 {
			if _, err := tx.Exec(ctx, "INSERT INTO holidays (day, kind, name) VALUES (?, ?, ?)", h.Day, string(h.Kind), h.Name); err != nil {
				return err
			}
		}
	}
	return nil
}

// Bootstrap seeds urgency classes, categories (with the units that exist
// now) and the 2026 holiday calendar; it is idempotent.
func (s *Service) Bootstrap(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT code, id FROM units")
		if err != nil {
			return err
		}
		units := map[string]int64{}
		for rows.Next() {
			var code string
			var id int64
			if err := rows.Scan(&code, &id); err != nil {
				rows.Close()
				return err
			}
			units[code] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := SeedCategories(ctx, tx, s.Clock.Now(), units); err != nil {
			return err
		}
		tx.AfterCommit(s.CategoriesChanged)
		return SeedHolidays(ctx, tx, Holidays2026)
	})
}

const categoryCols = `c.id, c.parent_id, c.code, c.name, c.name_en, c.unit_id, c.urgency, c.ack_hours, c.resolve_value,
	c.resolve_unit, c.public, c.active, c.evidence_required, c.sort, c.created_at, c.updated_at,
	COALESCE(g.name, ''), COALESCE(g.name_en, ''), COALESCE(u.name, ''), COALESCE(u.name_en, '')`

const categoryFrom = ` FROM workorder_categories c
	LEFT JOIN workorder_categories g ON g.id = c.parent_id
	LEFT JOIN units u ON u.id = c.unit_id`

// categoryOrder lists each group followed by its categories.
const categoryOrder = " ORDER BY COALESCE(g.sort, c.sort), COALESCE(g.id, c.id), c.parent_id IS NOT NULL, c.sort, c.id"

func scanCategory(sc interface{ Scan(...any) error }) (Category, error) {
	var c Category
	var parent, unit sql.NullInt64
	var unitKind string
	var created, updated int64
	err := sc.Scan(&c.ID, &parent, &c.Code, &c.Name, &c.NameEN, &unit, &c.Urgency, &c.AckHours, &c.ResolveValue,
		&unitKind, &c.Public, &c.Active, &c.EvidenceRequired, &c.Sort, &created, &updated, &c.GroupName, &c.GroupNameEN, &c.UnitName, &c.UnitNameEN)
	c.ParentID, c.UnitID, c.ResolveUnit = parent.Int64, unit.Int64, LimitUnit(unitKind)
	c.Group = c.ParentID == 0
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return c, err
}

// CategoryFilter selects categories.
type CategoryFilter struct {
	PublicOnly bool // only those citizens may choose (and their groups)
	ActiveOnly bool
}

// Categories lists groups and categories in tree order (each group
// followed by its categories, by sort), from the Service's cache (as
// CategoryByCode). It needs no principal: the list is what citizens
// choose from.
func (s *Service) Categories(ctx context.Context, f CategoryFilter) ([]Category, error) {
	set, err := s.allCategories(ctx)
	if err != nil {
		return nil, err
	}
	var out []Category
	for _, c := range set.list {
		if (f.PublicOnly && !c.Public) || (f.ActiveOnly && !c.Active) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// Category returns one category by id.
func (s *Service) Category(ctx context.Context, id int64) (Category, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Category, error) { return getCategory(ctx, tx, id) })
}

// CategoryByCode returns one category by its code, from the Service's
// cache (cache.go; the unit name may lag an edit made through the
// organisation service by up to refcache.TTL).
func (s *Service) CategoryByCode(ctx context.Context, code string) (Category, error) {
	var c Category
	set, err := s.allCategories(ctx)
	if err != nil {
		return c, err
	}
	if c, ok := set.byCode[code]; ok {
		return c, nil
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		c, err = scanCategory(txRow(ctx, tx, "workorder.entity.category", "SELECT "+categoryCols+categoryFrom+" WHERE c.code = ?", code))
		return err
	})
	if err == nil {
		s.categories.Invalidate()
	}
	return c, err
}

func getCategory(ctx context.Context, tx *db.Tx, id int64) (Category, error) {
	return scanCategory(txRow(ctx, tx, "workorder.entity.category", "SELECT "+categoryCols+categoryFrom+" WHERE c.id = ?", id))
}
