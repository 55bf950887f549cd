package volunteerweb

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

// formData is what the registration form needs.
type formData struct {
	Genders, IDTypes, Skills, Slots []web.Option
	Areas                           []areaGroup
	AdultAge                        int
}

type areaGroup struct {
	Label   string
	Options []web.Option
}

func options(l i18n.Lang, prefix string, codes []string) []web.Option {
	out := make([]web.Option, len(codes))
	for i, c := range codes {
		out[i] = web.Option{Value: c, Label: i18n.T(l, prefix+c)}
	}
	return out
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func (s *Server) formView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "vol.register.title")
	areas, err := s.vol.HomeAreas(r.Context())
	if err != nil {
		return nil, err
	}
	d := &formData{Genders: options(v.Lang, "volunteer.gender.", strs(volunteer.Genders)),
		IDTypes: options(v.Lang, "volunteer.id.", strs(volunteer.IDTypes)), Skills: options(v.Lang, "volunteer.skill.", volunteer.Skills),
		Slots: options(v.Lang, "volunteer.slot.", volunteer.Slots), AdultAge: volunteer.AdultAge}
	for _, a := range areas {
		label := v.Name(a.District, a.DistrictEN) + " · " + v.Name(a.Street, a.StreetEN)
		if n := len(d.Areas); n == 0 || d.Areas[n-1].Label != label {
			d.Areas = append(d.Areas, areaGroup{Label: label})
		}
		g := &d.Areas[len(d.Areas)-1]
		g.Options = append(g.Options, web.Option{Value: strconv.FormatInt(a.ID, 10), Label: v.Name(a.Name, a.NameEN)})
	}
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if v.Form.Get("id_type") == "" {
		v.Form.Set("id_type", string(volunteer.IDResident))
	}
	return v, nil
}

// inputOf reads the registration form.
func inputOf(fe *errs.Fields, vals url.Values) volunteer.Input {
	in := volunteer.Input{Name: vals.Get("name"), Gender: vals.Get("gender"), BirthDate: vals.Get("birth_date"),
		IDType: vals.Get("id_type"), IDNumber: vals.Get("id_number"), Phone: vals.Get("phone"),
		Skills: vals["skills"], Availability: vals["availability"], PartyMember: web.FormBool(vals, "party_member"),
		GuardianName: vals.Get("guardian_name"), GuardianPhone: vals.Get("guardian_phone"),
		GuardianConsent: web.FormBool(vals, "guardian_consent")}
	if vals.Get("region_id") != "" {
		in.RegionID = web.FormInt64(fe, vals, "region_id")
	}
	return in
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_register", func() (*web.View, error) { return s.formView(w, r) })
}

func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request) error {
	return s.Submit(w, r, "vol_register", "vol.flash.registered", func() (*web.View, error) { return s.formView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := inputOf(fe, vals)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.vol.Register(r.Context(), in)
			return "/volunteer/registered", err
		})
}

func (s *Server) registeredPage(w http.ResponseWriter, r *http.Request) error {
	v := s.View(w, r, "vol.registered.title")
	s.Render(w, r, http.StatusOK, "vol_registered", v)
	return nil
}

// ---- the volunteer's own page ----

type mineData struct {
	V       volunteer.Volunteer
	Age     int
	Record  volunteer.Record
	Hours   string
	Lines   []volunteer.ServiceLine
	Entries []volunteer.RecordEntry
}

func (s *Server) minePage(w http.ResponseWriter, r *http.Request) error {
	x, err := s.vol.Mine(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	rec, err := s.vol.Hours(r.Context(), x.ID)
	if err != nil {
		return err
	}
	lines, err := s.vol.ServiceRecord(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return err
	}
	entries, err := s.vol.RecordEntries(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.mine.title")
	v.Data = &mineData{V: x, Age: x.Age(s.Now()), Record: rec, Hours: hoursText(rec.Minutes), Lines: lines, Entries: entries}
	s.Render(w, r, http.StatusOK, "vol_mine", v)
	return nil
}

// ---- organisers ----

type listData struct {
	Rows     []volunteer.Volunteer
	Pager    web.Pager
	Regions  []web.Option
	Statuses []web.Option
}

func filterOf(r *http.Request) (volunteer.Filter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := volunteer.Filter{Q: lq.Q, Page: lq.Page, Size: lq.Size}
	if st := q.Get("status"); st != "" {
		f.Status = volunteer.Status(st)
		valid := false
		for _, x := range volunteer.Statuses {
			valid = valid || x == f.Status
		}
		fe.Check(valid, "status", "field.bad_choice")
	}
	if q.Get("region") != "" {
		f.RegionID = web.FormInt64(&fe, q, "region")
	}
	if q.Get("party") != "" {
		f.Party = web.QueryBool(q, "party")
		fe.Check(f.Party != nil, "party", "field.bad_choice")
	}
	return f, lq, fe.Err()
}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	v := s.View(w, r, "vol.list.title")
	v.Form = r.URL.Query()
	regions, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return err
	}
	d := &listData{Statuses: options(v.Lang, "volunteer.status.", strs(volunteer.Statuses))}
	for _, o := range regions {
		d.Regions = append(d.Regions, web.Option{Value: strconv.FormatInt(o.ID, 10), Label: web.Indent(o.Depth) + v.Name(o.Name, o.NameEN)})
	}
	v.Data = d
	f, lq, err := filterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "vol_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.export(w, r, f)
	}
	rows, total, err := s.vol.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "vol_list", v)
	return nil
}

func (s *Server) export(w http.ResponseWriter, r *http.Request, f volunteer.Filter) error {
	f.Page, f.Size = 1, volunteer.AllRows
	rows, _, err := s.vol.List(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	h := func(k string) export.Column { return export.Column{Header: i18n.T(l, "volunteer.field."+k), Width: 16} }
	cols := []export.Column{h("number"), h("name"), h("gender"), h("birth_date"), h("id_type"), h("id_number"), h("phone"),
		h("region_id"), h("skills"), h("party_member"), h("status")}
	out := make([][]any, 0, len(rows))
	for _, x := range rows {
		out = append(out, []any{x.Number, x.Name, i18n.T(l, "volunteer.gender."+string(x.Gender)), x.BirthDate,
			i18n.T(l, "volunteer.id."+string(x.IDType)), x.IDMasked, pii.MaskPhone(x.Phone), x.RegionName, skillText(l, x.Skills),
			web.YesNo(l, x.PartyMember), i18n.T(l, "volunteer.status."+string(x.Status))})
	}
	return export.ServeXLSX(w, i18n.T(l, "vol.list.title"), s.Now(), cols, out)
}

func skillText(l i18n.Lang, codes []string) string {
	out := ""
	for i, c := range codes {
		if i > 0 {
			out += "、"
		}
		out += i18n.T(l, "volunteer.skill."+c)
	}
	return out
}

type detailData struct {
	V          volunteer.Volunteer
	Age        int
	Login      *volunteer.Login // the new account, shown once
	Revealed   string           // the ID number, after an audited reveal
	Phone      string           // the phone as the viewer may see it
	CanReveal  bool
	Certs      []volunteer.Certificate
	Lines      []volunteer.ServiceLine
	Record     volunteer.Record
	Entries    []volunteer.RecordEntry
	EntryKinds []web.Option
}

func (s *Server) volunteerOf(r *http.Request) (volunteer.Volunteer, error) {
	id, err := web.PathID(r, "id", "entity.volunteer")
	if err != nil {
		return volunteer.Volunteer{}, err
	}
	return s.vol.Get(r.Context(), web.Principal(r), id)
}

func (s *Server) detailView(w http.ResponseWriter, r *http.Request, x volunteer.Volunteer) *web.View {
	p := web.Principal(r)
	v := s.View(w, r, "vol.detail.title")
	d := &detailData{V: x, Age: x.Age(s.Now()), Phone: pii.MaskPhone(x.Phone), CanReveal: p.Can(auth.PermPIIReveal)}
	d.Certs, _ = s.vol.Certificates(r.Context(), p, x.ID)
	d.Lines, _ = s.vol.ServiceRecord(r.Context(), p, x.ID)
	d.Record, _ = s.vol.Hours(r.Context(), x.ID)
	d.Entries, _ = s.vol.RecordEntries(r.Context(), p, x.ID)
	d.EntryKinds = options(v.Lang, "volunteer.entry.kind.", volunteer.RecordKinds)
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if v.Form.Get("from") == "" {
		year := strconv.Itoa(s.Now().In(clock.CST).Year())
		v.Form.Set("from", year+"-01-01")
		v.Form.Set("to", s.Now().In(clock.CST).Format("2006-01-02"))
		v.Form.Set("handler", p.DisplayName)
		v.Form.Set("issuer", p.UnitName)
	}
	return v
}

func (s *Server) detailPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "vol_detail", s.detailView(w, r, x))
	return nil
}

// approve gives the number and then the login account, whose initial
// password the page shows once.
func (s *Server) approve(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.Principal(r)
	view := func() (*web.View, error) { return s.detailView(w, r, x), nil }
	if x, err = s.vol.Approve(r.Context(), p, x.ID); err != nil {
		return s.Refused(w, r, "vol_detail", view, err)
	}
	return s.loginAfter(w, r, x)
}

func (s *Server) createLogin(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	return s.loginAfter(w, r, x)
}

func (s *Server) loginAfter(w http.ResponseWriter, r *http.Request, x volunteer.Volunteer) error {
	l, err := s.vol.CreateLogin(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return s.Refused(w, r, "vol_detail", func() (*web.View, error) { return s.detailView(w, r, x), nil }, err)
	}
	if x, err = s.vol.Get(r.Context(), web.Principal(r), x.ID); err != nil {
		return err
	}
	v := s.detailView(w, r, x)
	v.Data.(*detailData).Login = &l
	v.Flash = v.T("vol.flash.approved", x.Number)
	s.Render(w, r, http.StatusOK, "vol_detail", v)
	return nil
}

func (s *Server) reject(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_detail", "vol.flash.rejected", func() (*web.View, error) { return s.detailView(w, r, x), nil },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/volunteers/" + strconv.FormatInt(x.ID, 10), s.vol.Reject(r.Context(), web.Principal(r), x.ID, vals.Get("reason"))
		})
}

func (s *Server) reveal(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	num, err := s.vol.RevealID(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return s.Refused(w, r, "vol_detail", func() (*web.View, error) { return s.detailView(w, r, x), nil }, err)
	}
	v := s.detailView(w, r, x)
	v.Data.(*detailData).Revealed = num
	s.Render(w, r, http.StatusOK, "vol_detail", v)
	return nil
}

// ---- import ----

type importData struct {
	Result  *volunteer.ImportResult
	Errors  []rowError
	Columns []string
	MaxRows int
}

type rowError struct {
	Row          int
	Field, Error string
}

func (s *Server) importView(w http.ResponseWriter, r *http.Request) *web.View {
	v := s.View(w, r, "vol.import.title")
	cols := make([]string, len(volunteer.ImportColumns))
	for i, c := range volunteer.ImportColumns {
		cols[i] = v.T("volunteer.field." + c)
	}
	v.Data = &importData{Columns: cols, MaxRows: volunteer.MaxImportRows}
	return v
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "vol_import", s.importView(w, r))
	return nil
}

func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := volunteer.TemplateXLSX(&b, web.Lang(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(i18n.T(web.Lang(r), "vol.import.template_name")+".xlsx"))
	_, err := w.Write(b.Bytes())
	return err
}

func (s *Server) importSubmit(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := s.importView(w, r)
	file, _, err := r.FormFile("file")
	if err != nil {
		var fe errs.Fields
		fe.Add("file", "field.required")
		return s.FormFailed(w, r, "vol_import", v, fe.Err())
	}
	defer file.Close()
	body, err := io.ReadAll(file)
	if err != nil {
		return err
	}
	res, err := s.vol.Import(r.Context(), p, body)
	if err != nil {
		if errs.Is(err, errs.Invalid) {
			var fe errs.Fields
			e := errs.As(err)
			fe.Add("file", e.Key, e.Args...)
			return s.FormFailed(w, r, "vol_import", v, fe.Err())
		}
		return err
	}
	d := v.Data.(*importData)
	d.Result = &res
	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusBadRequest
		v.ErrorMsg = v.T("volunteer.import.refused")
		for _, e := range res.Errors {
			d.Errors = append(d.Errors, rowError{Row: e.Row, Field: v.T("volunteer.field." + e.Field), Error: v.T(e.Key, e.Args...)})
		}
	} else {
		v.Flash = v.T("vol.flash.imported", res.Created)
	}
	s.Render(w, r, status, "vol_import", v)
	return nil
}

// hoursText is minutes as hours with one decimal.
func hoursText(m int) string { return strconv.FormatFloat(float64(m)/60, 'f', 1, 64) }

// addEntry writes a training, honour or evaluation on the volunteer's record.
func (s *Server) addEntry(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "vol_detail", "flash.saved", func() (*web.View, error) { return s.detailView(w, r, x), nil },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			e := volunteer.RecordEntry{Kind: vals.Get("kind"), Day: vals.Get("day"), Title: vals.Get("title"), Issuer: vals.Get("issuer"), Note: vals.Get("note")}
			return "/volunteers/" + strconv.FormatInt(x.ID, 10), s.vol.AddRecordEntry(r.Context(), web.Principal(r), x.ID, e)
		})
}
