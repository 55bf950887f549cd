package orderweb

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The configuration of work orders (settings.manage, like the other
// admin settings): the category tree (/categories), the urgency classes'
// default limits (/category-urgencies) and the holiday calendar
// (/holidays), with the JSON API beside them. Every handler checks the
// permission first, so anyone else gets 403 before any input or id is
// looked at.
func (s *Server) woconfigRoutes() {
	s.Page("GET /categories", s.categoryList)
	s.Page("GET /categories/new", s.categoryNew)
	s.Page("POST /categories", s.categoryCreate)
	s.Page("GET /categories/{id}/edit", s.categoryEdit)
	s.Page("POST /categories/{id}", s.categoryUpdate)
	s.Page("POST /categories/{id}/active", s.categoryActive)
	s.Page("POST /categories/{id}/delete", s.categoryDelete)
	s.Page("GET /category-urgencies", s.urgencyList)
	s.Page("POST /category-urgencies/{code}", s.urgencyUpdate)
	s.Page("GET /holidays", s.holidayPage)
	s.Page("POST /holidays", s.holidaySet)
	s.Page("POST /holidays/import", s.holidayImport)
	s.Page("POST /holidays/{day}/delete", s.holidayDelete)
	s.woconfigAPIRoutes()
}

func requireSettings(r *http.Request) error {
	return auth.Require(web.Principal(r), auth.PermSettingsManage)
}

// ---- categories: pages ----

// categoryListData is the tree page.
type categoryListData struct {
	Rows []workorder.CategoryUse
}

func (s *Server) categoryListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	rows, err := s.orders.AdminCategories(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "woconfig.categories.title")
	v.Data = categoryListData{Rows: rows}
	return v, nil
}

func (s *Server) categoryList(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	return s.Show(w, r, "category_list", func() (*web.View, error) { return s.categoryListView(w, r) })
}

// urgencyChoice is an urgency class in the select, with its default limits
// for the script that fills the limit fields (static/woconfig.js).
type urgencyChoice struct {
	workorder.Urgency
	Label, UnitLabel string
}

// urgencyChoices labels the urgency classes in the viewer's language.
func urgencyChoices(v *web.View, urg []workorder.Urgency) []urgencyChoice {
	out := make([]urgencyChoice, 0, len(urg))
	for _, u := range urg {
		out = append(out, urgencyChoice{Urgency: u, Label: v.T("workorder.urgency." + u.Code), UnitLabel: v.T(u.ResolveUnit.Key())})
	}
	return out
}

// limitChoices are the units a limit is counted in (hours, calendar or
// working days).
func limitChoices(v *web.View) []web.Choice {
	out := make([]web.Choice, 0, len(workorder.LimitUnits))
	for _, u := range workorder.LimitUnits {
		out = append(out, web.Choice{Value: string(u), Label: v.T(u.Key())})
	}
	return out
}

// categoryFormData is the form of a group or a category.
type categoryFormData struct {
	Category  *workorder.CategoryUse // nil on create
	Group     bool
	Groups    []web.Choice
	Units     []web.Choice
	Urgencies []urgencyChoice
	Limits    []web.Choice
}

// categoryFormView prepares the form; c is nil on create, where group says
// whether a group is being created.
func (s *Server) categoryFormView(w http.ResponseWriter, r *http.Request, c *workorder.CategoryUse, group bool) (*web.View, error) {
	ctx, p := r.Context(), web.Principal(r)
	title := "woconfig.category.new"
	switch {
	case c != nil && c.IsGroup():
		title, group = "woconfig.group.edit", true
	case c != nil:
		title = "woconfig.category.edit"
	case group:
		title = "woconfig.group.new"
	}
	v := s.View(w, r, title)
	d := &categoryFormData{Category: c, Group: group}
	cats, err := s.orders.AdminCategories(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, g := range cats {
		if g.IsGroup() {
			label := v.Name(g.Name, g.NameEN) + " (" + g.Code + ")"
			if !g.Active {
				label += " " + v.T("woconfig.inactive_mark")
			}
			d.Groups = append(d.Groups, web.Choice{Value: web.I64s(g.ID), Label: label, Off: !g.Active})
		}
	}
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		// Inactive units cannot be chosen anew; the current one stays listed.
		if !u.Active && (c == nil || c.UnitID != u.ID) {
			continue
		}
		label := strings.Repeat("　", u.Depth) + v.Name(u.Name, u.NameEN) + " (" + u.Code + ")"
		if !u.Active {
			label += " " + v.T("woconfig.inactive_mark")
		}
		d.Units = append(d.Units, web.Choice{Value: web.I64s(u.ID), Label: label, Off: !u.Active})
	}
	urg, err := s.orders.UrgencyClasses(ctx)
	if err != nil {
		return nil, err
	}
	d.Urgencies, d.Limits = urgencyChoices(v, urg), limitChoices(v)
	v.Data = d
	if c != nil {
		v.Form = categoryValues(c.Category)
		return v, nil
	}
	v.Form = url.Values{"active": {"1"}, "public": {"1"}, "sort": {"0"}, "urgency": {workorder.UrgencyGeneral}}
	if group {
		v.Form.Set("group", "1")
	}
	// A new category under a group starts with the group's urgency class.
	if pid, err := strconv.ParseInt(r.URL.Query().Get("parent"), 10, 64); err == nil && !group {
		for _, g := range cats {
			if g.ID == pid && g.IsGroup() {
				v.Form.Set("parent_id", web.I64s(g.ID))
				v.Form.Set("urgency", g.Urgency)
			}
		}
	}
	return v, nil
}

func categoryValues(c workorder.Category) url.Values {
	v := url.Values{}
	if c.IsGroup() {
		v.Set("group", "1")
	}
	v.Set("parent_id", web.I64s(c.ParentID))
	v.Set("code", c.Code)
	v.Set("name", c.Name)
	v.Set("name_en", c.NameEN)
	v.Set("unit_id", web.I64s(c.UnitID))
	v.Set("urgency", c.Urgency)
	v.Set("ack_hours", strconv.Itoa(c.AckHours))
	v.Set("resolve_value", strconv.Itoa(c.ResolveValue))
	v.Set("resolve_unit", string(c.ResolveUnit))
	if c.EvidenceRequired {
		v.Set("evidence_required", "1")
	}
	if c.Public {
		v.Set("public", "1")
	}
	if c.Active {
		v.Set("active", "1")
	}
	v.Set("sort", strconv.Itoa(c.Sort))
	return v
}

// categoryInputOf reads the form; numbers that are not numbers are field
// errors in fe.
func categoryInputOf(vals url.Values, fe *errs.Fields) workorder.CategoryInput {
	return workorder.CategoryInput{
		Group:            web.FormBool(vals, "group"),
		ParentID:         web.FormInt64(fe, vals, "parent_id"),
		Code:             vals.Get("code"),
		Name:             vals.Get("name"),
		NameEN:           vals.Get("name_en"),
		UnitID:           web.FormInt64(fe, vals, "unit_id"),
		Urgency:          vals.Get("urgency"),
		AckHours:         formInt(fe, vals, "ack_hours"),
		ResolveValue:     formInt(fe, vals, "resolve_value"),
		ResolveUnit:      workorder.LimitUnit(vals.Get("resolve_unit")),
		Public:           web.FormBool(vals, "public"),
		EvidenceRequired: web.FormBool(vals, "evidence_required"),
		Active:           web.FormBool(vals, "active"),
		Sort:             formInt(fe, vals, "sort"),
	}
}

// formInt is formInt64 for the small numbers of a form: one beyond the
// int32 range is a field error rather than a wrapped value.
func formInt(fe *errs.Fields, vals url.Values, field string) int {
	n := web.FormInt64(fe, vals, field)
	if n > 1<<31-1 || n < -(1<<31) {
		fe.Add(field, "field.bad_number")
		return 0
	}
	return int(n)
}

func (s *Server) categoryNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	return s.Show(w, r, "category_form", func() (*web.View, error) {
		return s.categoryFormView(w, r, nil, r.URL.Query().Get("group") == "1")
	})
}

func (s *Server) categoryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	var in workorder.CategoryInput
	return s.Submit(w, r, "category_form", "flash.created", func() (*web.View, error) { return s.categoryFormView(w, r, nil, in.Group) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in = categoryInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			c, err := s.orders.CreateCategory(r.Context(), web.Principal(r), in)
			return "/categories#c" + web.I64s(c.ID), err
		})
}

// categoryOf loads the category named by the path.
func (s *Server) categoryOf(r *http.Request) (workorder.CategoryUse, error) {
	id, err := web.PathID(r, "id", "workorder.entity.category")
	if err != nil {
		return workorder.CategoryUse{}, err
	}
	return s.orders.AdminCategory(r.Context(), web.Principal(r), id)
}

func (s *Server) categoryEdit(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "category_form", func() (*web.View, error) { return s.categoryFormView(w, r, &c, false) })
}

func (s *Server) categoryUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "category_form", "flash.saved", func() (*web.View, error) { return s.categoryFormView(w, r, &c, false) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := categoryInputOf(vals, fe)
			in.Group = c.IsGroup() // the form cannot change what it is
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.orders.UpdateCategory(r.Context(), web.Principal(r), c.ID, in)
			return "/categories#c" + web.I64s(c.ID), err
		})
}

// categoryListFailed shows the tree again with the reason a step from it
// (activate, delete) was refused.
func (s *Server) categoryListFailed(w http.ResponseWriter, r *http.Request, err error) error {
	return s.Refused(w, r, "category_list", func() (*web.View, error) { return s.categoryListView(w, r) }, err)
}

func (s *Server) categoryActive(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	active := web.FormBool(r.PostForm, "active")
	if _, err := s.orders.SetCategoryActive(r.Context(), web.Principal(r), c.ID, active); err != nil {
		return s.categoryListFailed(w, r, err)
	}
	flash := "woconfig.flash.deactivated"
	if active {
		flash = "woconfig.flash.activated"
	}
	return s.Redirect(w, r, "/categories#c"+web.I64s(c.ID), flash)
}

func (s *Server) categoryDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	return s.Remove(w, r, "category_list", "/categories", func() (*web.View, error) { return s.categoryListView(w, r) },
		func() error { return s.orders.DeleteCategory(r.Context(), web.Principal(r), c.ID) })
}

// ---- urgency classes: page ----

type urgencyListData struct {
	Rows   []urgencyChoice
	Limits []web.Choice
	Failed string // the class whose form is shown again with errors
}

func (s *Server) urgencyView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	urg, err := s.orders.UrgencyClasses(r.Context())
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "woconfig.urgency.title")
	v.Data = urgencyListData{Rows: urgencyChoices(v, urg), Limits: limitChoices(v)}
	return v, nil
}

func (s *Server) urgencyList(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	return s.Show(w, r, "urgency_list", func() (*web.View, error) { return s.urgencyView(w, r) })
}

func (s *Server) urgencyUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	code := r.PathValue("code")
	var fe errs.Fields
	in := workorder.UrgencyLimits{AckHours: formInt(&fe, r.PostForm, "ack_hours"), ResolveValue: formInt(&fe, r.PostForm, "resolve_value"),
		ResolveUnit: workorder.LimitUnit(r.PostForm.Get("resolve_unit"))}
	err := fe.Err()
	if err == nil {
		if _, err = s.orders.UpdateUrgency(r.Context(), web.Principal(r), code, in); err == nil {
			return s.Redirect(w, r, "/category-urgencies", "flash.saved")
		}
	}
	v, verr := s.urgencyView(w, r)
	if verr != nil {
		return verr
	}
	d := v.Data.(urgencyListData)
	d.Failed = code
	v.Data = d
	return s.FormFailed(w, r, "urgency_list", v, web.WithFields(fe, err))
}

// ---- holiday calendar: page ----

// calDay is one cell of a month grid.
type calDay struct {
	Day   int    // 0: a blank cell before the 1st or after the last day
	Date  string // YYYY-MM-DD
	Kind  string // holiday, workday (调休上班), weekend or ""
	Name  string
	Today bool
}

// calMonth is a month as weeks from Monday to Sunday.
type calMonth struct {
	Month int
	Weeks [][]calDay
}

// holidayRow is one row of the year's list.
type holidayRow struct {
	workorder.HolidayDay
	Weekday int // 1 Monday … 7 Sunday
}

type holidayData struct {
	Year, Prev, Next int
	Rows             []holidayRow
	Months           []calMonth
	Weekdays         []int
	Holidays         int // holiday rows of the year
	Workdays         int // make-up working days of the year
	ImportLines      []string
}

// monthGrids lays out the year's months, marking the calendar rows.
func monthGrids(year int, rows []workorder.HolidayDay, today string) []calMonth {
	kinds := map[string]workorder.HolidayDay{}
	for _, h := range rows {
		kinds[h.Day] = h
	}
	var out []calMonth
	for m := time.January; m <= time.December; m++ {
		first := time.Date(year, m, 1, 0, 0, 0, 0, workorder.Zone)
		lead := (int(first.Weekday()) + 6) % 7 // Monday first
		var cells []calDay
		for range lead {
			cells = append(cells, calDay{})
		}
		for d := first; d.Month() == m; d = d.AddDate(0, 0, 1) {
			date := d.Format(workorder.DateLayout)
			c := calDay{Day: d.Day(), Date: date, Today: date == today}
			if h, ok := kinds[date]; ok {
				c.Kind, c.Name = string(h.Kind), h.Name
			} else if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
				c.Kind = "weekend"
			}
			cells = append(cells, c)
		}
		for len(cells)%7 != 0 {
			cells = append(cells, calDay{})
		}
		cm := calMonth{Month: int(m)}
		for i := 0; i < len(cells); i += 7 {
			cm.Weeks = append(cm.Weeks, cells[i:i+7])
		}
		out = append(out, cm)
	}
	return out
}

// holidayYear reads ?year= (default: this year in China); a bad one is a
// field error.
func (s *Server) holidayYear(r *http.Request, vals url.Values) (int, error) {
	y := s.Now().In(workorder.Zone).Year()
	raw := strings.TrimSpace(vals.Get("year"))
	if raw == "" {
		return y, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < workorder.MinCalendarYear || n > workorder.MaxCalendarYear {
		var f errs.Fields
		f.Add("year", "field.out_of_range", workorder.MinCalendarYear, workorder.MaxCalendarYear)
		return y, f.Err()
	}
	return n, nil
}

func (s *Server) holidayView(w http.ResponseWriter, r *http.Request, year int) (*web.View, error) {
	rows, err := s.orders.Holidays(r.Context(), year)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "woconfig.holidays.title")
	d := holidayData{Year: year, Prev: year - 1, Next: year + 1, Weekdays: []int{1, 2, 3, 4, 5, 6, 7},
		Months: monthGrids(year, rows, workorder.Day(s.Now()))}
	for _, h := range rows {
		t, _ := time.ParseInLocation(workorder.DateLayout, h.Day, workorder.Zone)
		d.Rows = append(d.Rows, holidayRow{HolidayDay: h, Weekday: (int(t.Weekday())+6)%7 + 1})
		if h.Kind == workorder.Holiday {
			d.Holidays++
		} else {
			d.Workdays++
		}
		d.ImportLines = append(d.ImportLines, strings.TrimSpace(h.Day+" "+string(h.Kind)+" "+h.Name))
	}
	v.Data = d
	// The day form: ?day= edits a date of the list, else a new one.
	v.Form = url.Values{"kind": {string(workorder.Holiday)}}
	if day := r.URL.Query().Get("day"); day != "" {
		v.Form.Set("day", day)
		for _, h := range rows {
			if h.Day == day {
				v.Form.Set("kind", string(h.Kind))
				v.Form.Set("name", h.Name)
			}
		}
	}
	v.Form.Set("lines", strings.Join(d.ImportLines, "\n"))
	return v, nil
}

func (s *Server) holidayPage(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	year, yerr := s.holidayYear(r, r.URL.Query())
	v, err := s.holidayView(w, r, year)
	if err != nil {
		return err
	}
	if yerr != nil {
		return s.FormFailed(w, r, "holidays", v, yerr)
	}
	s.Render(w, r, http.StatusOK, "holidays", v)
	return nil
}

// holidayFailed shows the year's page again with the form's errors and
// what was typed (both forms keep their values).
func (s *Server) holidayFailed(w http.ResponseWriter, r *http.Request, year int, err error) error {
	v, verr := s.holidayView(w, r, year)
	if verr != nil {
		return verr
	}
	web.KeepOthers(r, v)
	if e := errs.As(err); e != nil && e.Key == "woconfig.import.bad_lines" {
		// One message per bad line, in line order, above the paste.
		var lines []int
		for k := range e.Fields {
			if n, ok := strings.CutPrefix(k, "line."); ok {
				if x, err := strconv.Atoi(n); err == nil {
					lines = append(lines, x)
				}
			}
		}
		slices.Sort(lines)
		code, msg, fields := s.Message(r, err)
		var msgs []string
		for _, n := range lines {
			msgs = append(msgs, fields["line."+strconv.Itoa(n)])
		}
		v.Form = r.PostForm
		v.ErrorMsg = msg
		v.Errors = map[string]string{"lines": strings.Join(msgs, "\n")}
		s.Render(w, r, web.StatusOf(code), "holidays", v)
		return nil
	}
	return s.FormFailed(w, r, "holidays", v, err)
}

func (s *Server) holidaySet(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	h := workorder.HolidayDay{Day: strings.TrimSpace(r.PostForm.Get("day")), Kind: workorder.DayKind(r.PostForm.Get("kind")),
		Name: r.PostForm.Get("name")}
	year, _ := s.holidayYear(r, r.PostForm)
	if t, ok := workorder.ParseDay(h.Day); ok {
		year = t.Year()
	}
	if err := s.orders.SetHoliday(r.Context(), web.Principal(r), h); err != nil {
		return s.holidayFailed(w, r, year, err)
	}
	return s.Redirect(w, r, "/holidays?year="+strconv.Itoa(year), "flash.saved")
}

func (s *Server) holidayImport(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	year, err := s.holidayYear(r, r.PostForm)
	if err == nil {
		if _, err = s.orders.ImportHolidays(r.Context(), web.Principal(r), year, r.PostForm.Get("lines")); err == nil {
			return s.Redirect(w, r, "/holidays?year="+strconv.Itoa(year), "woconfig.flash.imported")
		}
	}
	return s.holidayFailed(w, r, year, err)
}

func (s *Server) holidayDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	day := r.PathValue("day")
	t, ok := workorder.ParseDay(day)
	if !ok {
		return errs.NotFoundf("workorder.entity.holiday")
	}
	if err := s.orders.DeleteHoliday(r.Context(), web.Principal(r), day); err != nil {
		return err
	}
	return s.Redirect(w, r, "/holidays?year="+strconv.Itoa(t.Year()), "flash.deleted")
}

// ---- API ----

func (s *Server) woconfigAPIRoutes() {
	const tag = "configuration"
	limitUnit := map[string]any{"type": "string", "enum": enumOf(workorder.LimitUnits)}
	urgency := map[string]any{"type": "string", "enum": []string{workorder.UrgencyUrgent, workorder.UrgencyUtility,
		workorder.UrgencyGeneral, workorder.UrgencyComplex}}
	catIn := web.Obj(map[string]any{
		"group":     map[string]any{"type": "boolean", "description": "a group (no parent, no unit); fixed once created"},
		"parent_id": map[string]any{"type": "integer", "description": "a category's group"},
		"code":      map[string]any{"type": "string", "description": "letters, digits, - and _, at most 40; unique"},
		"name":      web.Str(), "name_en": web.Str(),
		"unit_id":   map[string]any{"type": "integer", "description": "default unit (an active unit), 0 for none"},
		"urgency":   urgency,
		"ack_hours": map[string]any{"type": "integer", "description": "hours to acknowledge; 0: the urgency class's default"},
		"resolve_value": map[string]any{"type": "integer",
			"description": "resolve limit; 0: the urgency class's default value and unit"},
		"resolve_unit":      limitUnit,
		"public":            map[string]any{"type": "boolean", "description": "citizens may choose it"},
		"evidence_required": map[string]any{"type": "boolean", "description": "a resolution must carry a photo of the result (not for a group)"},
		"active":            map[string]any{"type": "boolean", "description": "deactivating a group deactivates its categories"},
		"sort":              web.Integer(),
	})
	catProps := map[string]any{"id": web.Integer(), "parent_id": web.Integer(), "group": web.Boolean(), "code": web.Str(), "name": web.Str(),
		"name_en": web.Str(), "unit_id": web.Integer(), "urgency": urgency, "ack_hours": web.Integer(), "resolve_value": web.Integer(),
		"resolve_unit": limitUnit, "public": web.Boolean(), "active": web.Boolean(), "evidence_required": web.Boolean(), "sort": web.Integer(), "created_at": web.DateTime(),
		"updated_at": web.DateTime(), "group_name": web.Str(), "group_name_en": web.Str(), "unit_name": web.Str()}
	cat := web.Obj(catProps)
	useProps := map[string]any{"orders": map[string]any{"type": "integer", "description": "orders filed under it"},
		"children": map[string]any{"type": "integer", "description": "a group's categories"}}
	for k, v := range catProps {
		useProps[k] = v
	}
	catUse := web.Obj(useProps)
	day := web.Obj(map[string]any{"day": map[string]any{"type": "string", "format": "date"},
		"kind": map[string]any{"type": "string", "enum": []string{string(workorder.Holiday), string(workorder.Workday)},
			"description": "holiday (法定节假日) or workday (调休上班, a Saturday or Sunday)"},
		"name": web.Str()})
	perm := "the role lacks settings.manage"
	read := map[int]string{http.StatusForbidden: perm, http.StatusNotFound: "no such row"}
	write := map[int]string{http.StatusBadRequest: "invalid input; error.fields names each bad field",
		http.StatusForbidden: perm, http.StatusNotFound: "no such row",
		http.StatusConflict: "in use (orders or categories refer to it), or the group is inactive"}

	s.API("GET /api/v1/workorder-categories", web.APIDoc{
		Summary: "Every category group and category in tree order (each group followed by its categories), with the number of orders filed under each",
		Tag:     tag, Response: web.ListOf(catUse), Extra: map[int]string{http.StatusForbidden: perm},
	}, s.apiCategoryList)
	s.API("POST /api/v1/workorder-categories", web.APIDoc{
		Summary: "Create a group (group: true) or a category under a group; limits left 0 take the urgency class's defaults",
		Tag:     tag, Body: catIn, Response: cat, Status: http.StatusCreated, Extra: write,
	}, s.apiCategoryCreate)
	s.API("GET /api/v1/workorder-categories/{id}", web.APIDoc{Summary: "One group or category with its use", Tag: tag,
		Response: catUse, Extra: read}, s.apiCategoryGet)
	s.API("PATCH /api/v1/workorder-categories/{id}", web.APIDoc{
		Summary: "Change a group or category; fields left out keep their values. Orders already filed keep their deadlines",
		Tag:     tag, Body: catIn, Response: cat, Extra: write,
	}, s.apiCategoryUpdate)
	s.API("DELETE /api/v1/workorder-categories/{id}", web.APIDoc{
		Summary: "Delete a group without categories or a category no order uses (a used one is 409: deactivate it instead)",
		Tag:     tag, Status: http.StatusNoContent, Extra: write,
	}, s.apiCategoryDelete)
	s.API("GET /api/v1/holidays", web.APIDoc{
		Summary: "A year's holiday calendar: holidays and make-up working days (调休), by date", Tag: tag,
		Params:   []web.Param{{Name: "year", In: "query", Type: "integer", Description: "default: this year"}},
		Response: web.Obj(map[string]any{"year": web.Integer(), "items": web.Arr(day)}),
		Extra:    map[int]string{http.StatusBadRequest: "a bad year", http.StatusForbidden: perm},
	}, s.apiHolidayList)
	s.API("PUT /api/v1/holidays/{day}", web.APIDoc{
		Summary: "Make a date (YYYY-MM-DD) a holiday or a make-up working day; deadlines set from now on count with it",
		Tag:     tag, Body: web.Obj(map[string]any{"kind": day["properties"].(map[string]any)["kind"], "name": web.Str()}, "kind"),
		Response: day, Extra: write,
	}, s.apiHolidayPut)
	s.API("DELETE /api/v1/holidays/{day}", web.APIDoc{
		Summary: "Make a date an ordinary day again", Tag: tag, Status: http.StatusNoContent, Extra: read,
	}, s.apiHolidayDelete)
}

func (s *Server) apiCategoryList(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.orders.AdminCategories(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(rows, len(rows), web.ListQuery{Page: 1, Size: max(len(rows), 1)}))
	return nil
}

func (s *Server) apiCategoryGet(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiCategoryCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	in := workorder.CategoryInput{Active: true, Public: true} // unless the body says otherwise
	return web.SaveJSON(w, r, in, s.orders.CreateCategory, func(c workorder.Category) string {
		return "/api/v1/workorder-categories/" + web.I64s(c.ID)
	})
}

func (s *Server) apiCategoryUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	// Fields left out keep their values.
	return web.SaveJSON(w, r, c.Input(), func(ctx context.Context, p *auth.Principal, in workorder.CategoryInput) (workorder.Category, error) {
		return s.orders.UpdateCategory(ctx, p, c.ID, in)
	}, nil)
}

func (s *Server) apiCategoryDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	c, err := s.categoryOf(r)
	if err != nil {
		return err
	}
	return web.DeleteJSON(w, r, func(ctx context.Context, p *auth.Principal) error { return s.orders.DeleteCategory(ctx, p, c.ID) })
}

func (s *Server) apiHolidayList(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	year, err := s.holidayYear(r, r.URL.Query())
	if err != nil {
		return err
	}
	rows, err := s.orders.Holidays(r.Context(), year)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []workorder.HolidayDay{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"year": year, "items": rows})
	return nil
}

func (s *Server) apiHolidayPut(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	var body struct {
		Kind workorder.DayKind `json:"kind"`
		Name string            `json:"name"`
	}
	if err := web.DecodeJSON(r, &body); err != nil {
		return err
	}
	h := workorder.HolidayDay{Day: r.PathValue("day"), Kind: body.Kind, Name: strings.TrimSpace(body.Name)}
	if err := s.orders.SetHoliday(r.Context(), web.Principal(r), h); err != nil {
		return err
	}
	h.Kind = workorder.DayKind(strings.TrimSpace(string(h.Kind)))
	web.WriteJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) apiHolidayDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireSettings(r); err != nil {
		return err
	}
	day := r.PathValue("day")
	if _, ok := workorder.ParseDay(day); !ok {
		return errs.NotFoundf("workorder.entity.holiday")
	}
	if err := s.orders.DeleteHoliday(r.Context(), web.Principal(r), day); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
