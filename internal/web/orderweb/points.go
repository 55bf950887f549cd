package orderweb

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Points for valid snap reports: the citizen's page and API (phone and
// tracking code; the lookup is a POST so the phone number stays out of
// addresses and logs), and the admin page to redeem points, set the rule
// and read the ledger (settings.manage).
func (s *Server) pointsRoutes() {
	s.PublicPage("GET /points", s.pointsPage)
	s.PublicPage("POST /points", s.pointsLookup)
	s.Page("GET /points/admin", s.pointsAdmin)
	s.Page("POST /points/redeem", s.pointsRedeem)
	s.Page("POST /points/rule", s.pointsRule)

	entry := web.Obj(map[string]any{"id": web.Integer(), "phone": web.Str(), "order_code": web.Str(), "delta": web.Integer(),
		"reason":        map[string]any{"type": "string", "enum": []string{workorder.PointsReport, workorder.PointsReversal, workorder.PointsRedeem}},
		"balance_after": web.Integer(), "note": web.Str(), "created_at": web.DateTime()})
	s.PublicAPI("GET /api/v1/public/points", web.APIDoc{
		Summary: "A citizen's points balance and history, by the phone number given with a report and that report's tracking code " +
			"(a wrong phone or code is the same 404; ten of them an hour from one address get 429)",
		Tag: "public", Params: []web.Param{
			{Name: "phone", In: "query", Type: "string", Description: "the phone number given with the report", Required: true},
			{Name: "code", In: "query", Type: "string", Description: "the tracking code of one of the phone's reports", Required: true}},
		Response: web.Obj(map[string]any{"phone": web.Str(), "balance": web.Integer(), "entries": web.Arr(entry)}),
		Extra:    map[int]string{http.StatusNotFound: "no such phone and code", http.StatusTooManyRequests: "too many wrong tries"},
	}, s.apiPublicPoints)
}

// pointsData is the citizen's page.
type pointsData struct {
	Account *workorder.PointsAccount
}

func (s *Server) pointsPage(w http.ResponseWriter, r *http.Request) error {
	v := s.View(w, r, "points.title")
	v.Data = pointsData{}
	s.Render(w, r, http.StatusOK, "points_lookup", v)
	return nil
}

func (s *Server) pointsLookup(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := s.View(w, r, "points.title")
	v.Data = pointsData{}
	acc, err := s.orders.PointsByCode(r.Context(), r.PostForm.Get("phone"), r.PostForm.Get("code"), web.ClientIP(r))
	if errs.Is(err, errs.NotFound) {
		_, v.ErrorMsg, _ = s.Message(r, err)
		v.Form = r.PostForm
		s.Render(w, r, http.StatusNotFound, "points_lookup", v)
		return nil
	}
	if err != nil {
		return s.FormFailed(w, r, "points_lookup", v, err)
	}
	v.Data = pointsData{Account: &acc}
	s.Render(w, r, http.StatusOK, "points_lookup", v)
	return nil
}

func (s *Server) apiPublicPoints(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	acc, err := s.orders.PointsByCode(r.Context(), q.Get("phone"), q.Get("code"), web.ClientIP(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, acc)
	return nil
}

// pointsAdminData is the admin page.
type pointsAdminData struct {
	Entries []workorder.PointsEntry
	Pager   web.Pager
	Phone   string // the filter
	Balance int64  // of Phone
	Rule    workorder.PointsRule
}

// pointsAdminView builds the admin page; the forms keep what was typed
// when it is re-rendered with an error.
func (s *Server) pointsAdminView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return nil, err
	}
	v := s.View(w, r, "points.admin.title")
	lq := web.ListQueryOf(r)
	phone := strings.TrimSpace(r.URL.Query().Get("phone"))
	list, total, bal, err := s.orders.PointsLedger(r.Context(), p, workorder.PointsFilter{Phone: phone, Page: lq.Page, Size: lq.Size})
	if err != nil {
		return nil, err
	}
	rule, err := s.orders.PointsRule(r.Context())
	if err != nil {
		return nil, err
	}
	v.Form.Set("per_report", strconv.Itoa(rule.PerReport))
	v.Form.Set("daily_cap", strconv.Itoa(rule.DailyCap))
	v.Data = pointsAdminData{Entries: list, Pager: web.NewPager(r, lq, total), Phone: phone, Balance: bal, Rule: rule}
	return v, nil
}

func (s *Server) pointsAdmin(w http.ResponseWriter, r *http.Request) error {
	v, err := s.pointsAdminView(w, r)
	if err != nil {
		return err
	}
	if web.WantsXLSX(r) {
		return s.pointsExport(w, r, v)
	}
	s.Render(w, r, http.StatusOK, "points_admin", v)
	return nil
}

// pointsExport writes the filtered ledger (every page, phones masked).
func (s *Server) pointsExport(w http.ResponseWriter, r *http.Request, v *web.View) error {
	d := v.Data.(pointsAdminData)
	var rows [][]any
	for page := 1; ; page++ {
		list, total, _, err := s.orders.PointsLedger(r.Context(), web.Principal(r), workorder.PointsFilter{Phone: d.Phone, Page: page, Size: web.MaxPageSize})
		if err != nil {
			return err
		}
		for _, e := range list {
			rows = append(rows, []any{v.Time(e.CreatedAt), e.Phone, e.OrderCode, v.T(e.ReasonKey()), e.Delta, e.BalanceAfter, e.Note, e.ActorName})
		}
		if page*web.MaxPageSize >= total || len(list) == 0 {
			break
		}
	}
	cols := []export.Column{{Header: v.T("points.col.time"), Width: 18}, {Header: v.T("points.col.phone"), Width: 14},
		{Header: v.T("points.col.order"), Width: 14}, {Header: v.T("points.col.reason"), Width: 14},
		{Header: v.T("points.col.delta"), Width: 8}, {Header: v.T("points.col.balance"), Width: 8},
		{Header: v.T("points.col.note"), Width: 30}, {Header: v.T("points.col.actor"), Width: 12}}
	return export.ServeXLSX(w, v.T("points.export"), s.Clock.Now(), cols, rows)
}

func (s *Server) pointsRedeem(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var f errs.Fields
	in := workorder.RedeemInput{Phone: r.PostForm.Get("phone"), Amount: web.FormInt64(&f, r.PostForm, "amount"), Note: r.PostForm.Get("note")}
	workorder.CheckRedeem(in, &f)
	err := f.Err()
	if err == nil {
		_, err = s.orders.RedeemPoints(r.Context(), p, in)
	}
	if err != nil {
		v, verr := s.pointsAdminView(w, r)
		if verr != nil {
			return verr
		}
		web.KeepOthers(r, v)
		return s.FormFailed(w, r, "points_admin", v, err)
	}
	return s.Redirect(w, r, "/points/admin?phone="+url.QueryEscape(strings.TrimSpace(in.Phone)), "points.flash.redeemed")
}

func (s *Server) pointsRule(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var f errs.Fields
	in := workorder.PointsRule{PerReport: int(web.FormInt64(&f, r.PostForm, "per_report")), DailyCap: int(web.FormInt64(&f, r.PostForm, "daily_cap"))}
	f.Check(r.PostForm.Get("per_report") != "", "per_report", "field.required")
	f.Check(r.PostForm.Get("daily_cap") != "", "daily_cap", "field.required")
	err := f.Err()
	if err == nil {
		_, err = s.orders.SetPointsRule(r.Context(), p, in)
	}
	if err != nil {
		v, verr := s.pointsAdminView(w, r)
		if verr != nil {
			return verr
		}
		web.KeepOthers(r, v)
		return s.FormFailed(w, r, "points_admin", v, err)
	}
	return s.Redirect(w, r, "/points/admin", "points.flash.rule_saved")
}
