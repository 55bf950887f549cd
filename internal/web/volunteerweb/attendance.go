package volunteerweb

import (
	"embed"
	"net/http"
	"net/url"
	"strconv"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed static/checkin.js
var staticFS embed.FS

func (s *Server) attendanceRoutes() {
	s.PublicPage("GET /volunteer/checkin.js", s.checkinJS)
	s.Page("GET /activities/{id}/qr", s.qrPage)
	s.Page("GET /activities/{id}/qr.png", s.qrImage)
	s.Page("GET /activities/{id}/attendance", s.attendancePage)
	s.Page("POST /activities/{id}/attendance/mark", s.markAttendance)
	s.Page("POST /activities/{id}/attendance/confirm", s.confirmAttendance)
	s.Page("POST /activities/{id}/attendance/changes", s.proposeChange)
	s.Page("POST /activities/{id}/attendance/changes/{cid}/approve", s.decideChange(true))
	s.Page("POST /activities/{id}/attendance/changes/{cid}/refuse", s.decideChange(false))
	s.Page("POST /my/activities/{id}/checkin", s.myCheck(false))
	s.Page("POST /my/activities/{id}/checkout", s.myCheck(true))
	s.Page("GET /my/checkin", s.scanLanding)
}

func (s *Server) checkinJS(w http.ResponseWriter, r *http.Request) error {
	b, err := staticFS.ReadFile("static/checkin.js")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, err = w.Write(b)
	return err
}

type qrData struct {
	A     volunteer.Activity
	Codes volunteer.Codes
}

func (s *Server) activityID(r *http.Request) (int64, error) {
	return web.PathID(r, "id", "entity.activity")
}

func (s *Server) qrPage(w http.ResponseWriter, r *http.Request) error {
	id, err := s.activityID(r)
	if err != nil {
		return err
	}
	a, _, err := s.vol.Activity(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	c, err := s.vol.CheckinCodes(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.qr.title")
	v.Data = &qrData{A: a, Codes: c}
	s.Render(w, r, http.StatusOK, "vol_qr", v)
	return nil
}

// qrImage is the current code as a QR image of the check-in link.
func (s *Server) qrImage(w http.ResponseWriter, r *http.Request) error {
	id, err := s.activityID(r)
	if err != nil {
		return err
	}
	c, err := s.vol.CheckinCodes(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	link := s.Config.BaseURL + "/my/checkin?a=" + strconv.FormatInt(id, 10) + "&c=" + c.Code
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(png)
	return err
}

// scanLanding is where a scanned QR code leads: the volunteer's activity
// page with the code filled in (GET changes nothing; the button posts it).
func (s *Server) scanLanding(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("a"), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotFoundf("entity.activity")
	}
	http.Redirect(w, r, "/my/activities/"+strconv.FormatInt(id, 10)+"?code="+url.QueryEscape(q.Get("c")), http.StatusSeeOther)
	return nil
}

type attendanceData struct {
	A       volunteer.Activity
	Rows    []volunteer.Attendance
	Changes []volunteer.Change
}

func (s *Server) attendanceView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := s.activityID(r)
	if err != nil {
		return nil, err
	}
	p := web.Principal(r)
	a, _, err := s.vol.Activity(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.vol.Attendances(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	ch, err := s.vol.Changes(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.attendance.title")
	v.Data = &attendanceData{A: a, Rows: rows, Changes: ch}
	return v, nil
}

func (s *Server) attendancePage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_attendance", func() (*web.View, error) { return s.attendanceView(w, r) })
}

func (s *Server) attendanceStep(w http.ResponseWriter, r *http.Request, flash string, step func(id int64, vals url.Values) error) error {
	if _, err := s.attendanceView(w, r); err != nil {
		return err
	}
	id, _ := s.activityID(r)
	return s.Submit(w, r, "vol_attendance", flash, func() (*web.View, error) { return s.attendanceView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/activities/" + strconv.FormatInt(id, 10) + "/attendance", step(id, vals)
		})
}

func (s *Server) markAttendance(w http.ResponseWriter, r *http.Request) error {
	return s.attendanceStep(w, r, "flash.saved", func(id int64, vals url.Values) error {
		return s.vol.Mark(r.Context(), web.Principal(r), id, vals.Get("number"), vals.Get("out") == "1")
	})
}

func (s *Server) confirmAttendance(w http.ResponseWriter, r *http.Request) error {
	return s.attendanceStep(w, r, "vol.flash.confirmed", func(id int64, vals url.Values) error {
		var fe errs.Fields
		one := optID(&fe, vals, "attendance_id")
		if err := fe.Err(); err != nil {
			return err
		}
		_, err := s.vol.Confirm(r.Context(), web.Principal(r), id, one)
		return err
	})
}

func (s *Server) proposeChange(w http.ResponseWriter, r *http.Request) error {
	return s.attendanceStep(w, r, "vol.flash.proposed", func(id int64, vals url.Values) error {
		return s.vol.ProposeChange(r.Context(), web.Principal(r), id, vals.Get("number"), vals.Get("checkin"), vals.Get("checkout"), vals.Get("reason"))
	})
}

func (s *Server) decideChange(approve bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		cid, err := web.PathID(r, "cid", "entity.change")
		if err != nil {
			return err
		}
		return s.attendanceStep(w, r, "flash.saved", func(id int64, vals url.Values) error {
			return s.vol.DecideChange(r.Context(), web.Principal(r), id, cid, approve)
		})
	}
}

func (s *Server) myCheck(out bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.myActivityView(w, r); err != nil {
			return err
		}
		id, _ := s.activityID(r)
		flash := "vol.flash.checked_in"
		if out {
			flash = "vol.flash.checked_out"
		}
		return s.Submit(w, r, "vol_my_activity", flash, func() (*web.View, error) { return s.myActivityView(w, r) },
			func(vals url.Values, fe *errs.Fields) (string, error) {
				pr := volunteer.Proof{Code: vals.Get("code"), Venue: vals.Get("venue")}
				if vals.Get("lat") != "" || vals.Get("lng") != "" {
					pr.Lat, pr.Lng = web.FormFloat(fe, vals, "lat"), web.FormFloat(fe, vals, "lng")
				}
				if err := fe.Err(); err != nil {
					return "", err
				}
				to := "/my/activities/" + strconv.FormatInt(id, 10)
				if out {
					return to, s.vol.CheckOut(r.Context(), web.Principal(r), id, pr)
				}
				return to, s.vol.CheckIn(r.Context(), web.Principal(r), id, pr)
			})
	}
}
