package volunteerweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) certificateRoutes() {
	s.Page("POST /volunteers/{id}/certificates", s.certificateIssue)
	s.Page("GET /certificates/{id}", s.certificatePage)
	s.Page("GET /certificates/{id}/pdf", s.certificatePDF)
	s.PublicPage("GET /verify/certificates", s.verifyPage)
}

type certData struct {
	C      volunteer.Certificate
	Public bool
	Verify string
}

func (s *Server) certificateOf(r *http.Request) (volunteer.Certificate, error) {
	id, err := web.PathID(r, "id", "entity.certificate")
	if err != nil {
		return volunteer.Certificate{}, err
	}
	return s.vol.Certificate(r.Context(), web.Principal(r), id)
}

func (s *Server) verifyURL(c volunteer.Certificate) string {
	return s.Config.BaseURL + "/verify/certificates?number=" + url.QueryEscape(c.Number)
}

func (s *Server) certificatePage(w http.ResponseWriter, r *http.Request) error {
	c, err := s.certificateOf(r)
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.cert.title")
	v.Data = &certData{C: c, Verify: s.verifyURL(c)}
	s.Render(w, r, http.StatusOK, "vol_certificate", v)
	return nil
}

func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request) error {
	c, err := s.certificateOf(r)
	if err != nil {
		return err
	}
	pdf, err := c.PDF(i18n.T(i18n.ZH, "volunteer.id."+string(c.IDType)), s.verifyURL(c))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", "inline; filename*=UTF-8''"+url.PathEscape("志愿服务证明-"+c.Number+".pdf"))
	_, err = w.Write(pdf)
	return err
}

func (s *Server) certificateIssue(w http.ResponseWriter, r *http.Request) error {
	x, err := s.volunteerOf(r)
	if err != nil {
		return err
	}
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	var issued volunteer.Certificate
	return s.Submit(w, r, "vol_detail", "vol.flash.cert_issued", func() (*web.View, error) { return s.detailView(w, r, x), nil },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.CertificateInput{From: vals.Get("from"), To: vals.Get("to"), Issuer: vals.Get("issuer"), PersonInCharge: vals.Get("person_in_charge"),
				Handler: vals.Get("handler"), Contact: vals.Get("contact"), Remarks: vals.Get("remarks")}
			issued, err = s.vol.IssueCertificate(r.Context(), web.Principal(r), x.ID, in)
			return "/certificates/" + strconv.FormatInt(issued.ID, 10), err
		})
}

// verifyPage is the public check of a certificate by its number: it shows
// what the certificate shows (the ID number masked as printed), nothing more.
func (s *Server) verifyPage(w http.ResponseWriter, r *http.Request) error {
	v := s.View(w, r, "vol.verify.title")
	v.Form = r.URL.Query()
	number := v.Form.Get("number")
	if number == "" {
		v.Data = &certData{Public: true}
		s.Render(w, r, http.StatusOK, "vol_verify", v)
		return nil
	}
	c, err := s.vol.VerifyCertificate(r.Context(), number)
	if errs.Is(err, errs.NotFound) {
		v.Data = &certData{Public: true}
		v.Errors = map[string]string{"number": v.T("vol.verify.not_found")}
		s.Render(w, r, http.StatusNotFound, "vol_verify", v)
		return nil
	}
	if err != nil {
		return err
	}
	v.Data = &certData{C: c, Public: true}
	s.Render(w, r, http.StatusOK, "vol_verify", v)
	return nil
}
