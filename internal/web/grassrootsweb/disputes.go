package grassrootsweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/web"
)

type disputesData struct {
	Rows    []grassroots.Dispute
	States  []web.Option
	Regions []web.Choice
	Kinds   []web.Option
	Sources []web.Option
}

type disputeData struct {
	D       grassroots.Dispute
	Allowed map[string]bool // the actions the machine allows now
	Overdue bool
}

func (s *Server) disputeRoutes() {
	s.Page("GET /grassroots/disputes", s.disputeList)
	s.Page("POST /grassroots/disputes", s.disputeCreate)
	s.Page("GET /grassroots/disputes/{id}", s.disputeShow)
	s.Page("POST /grassroots/disputes/{id}/step", s.disputeStep)
	s.Page("GET /grassroots/disputes/{id}/agreement", s.agreementPrint)
	s.Page("GET /grassroots/disputes/{id}/agreement.pdf", s.agreementPDF)
}

func (s *Server) disputesView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "gr.disputes.title")
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &disputesData{Regions: web.TreeChoices(v, opts)}
	for _, x := range grassroots.DStates {
		d.States = append(d.States, web.Option{Value: string(x), Label: v.T("gr.dstate." + string(x))})
	}
	for _, x := range grassroots.DKinds {
		d.Kinds = append(d.Kinds, web.Option{Value: x, Label: v.T("gr.dkind." + x)})
	}
	for _, x := range grassroots.DSources {
		d.Sources = append(d.Sources, web.Option{Value: x, Label: v.T("gr.dsource." + x)})
	}
	if d.Rows, err = s.gr.Disputes(r.Context(), p, r.URL.Query().Get("state")); err != nil {
		return nil, err
	}
	v.Form = url.Values{"state": {r.URL.Query().Get("state")}, "source": {"walk_in"}}
	if p.RegionID != 0 {
		v.Form.Set("region_id", web.I64s(p.RegionID))
	}
	v.Data = d
	return v, nil
}

func (s *Server) disputeList(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_disputes", func() (*web.View, error) { return s.disputesView(w, r) })
}

func (s *Server) disputeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_disputes", "flash.created", func() (*web.View, error) { return s.disputesView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.DisputeInput{RegionID: web.FormInt64(fe, vals, "region_id"), Title: vals.Get("title"), Kind: vals.Get("kind"),
				Source: vals.Get("source"), Description: vals.Get("description")}
			names, sides, addrs := vals["party_name"], vals["party_side"], vals["party_address"]
			for i := range names {
				pt := grassroots.Party{Name: names[i]}
				if i < len(sides) {
					pt.Side = sides[i]
				}
				if i < len(addrs) {
					pt.Address = addrs[i]
				}
				in.Parties = append(in.Parties, pt)
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			d, err := s.gr.RegisterDispute(r.Context(), web.Principal(r), in)
			return "/grassroots/disputes/" + web.I64s(d.ID), err
		})
}

func (s *Server) disputeOf(r *http.Request) (grassroots.Dispute, error) {
	id, err := web.PathID(r, "id", "entity.dispute")
	if err != nil {
		return grassroots.Dispute{}, err
	}
	return s.gr.GetDispute(r.Context(), web.Principal(r), id)
}

func (s *Server) disputeView(w http.ResponseWriter, r *http.Request, d grassroots.Dispute) *web.View {
	v := s.View(w, r, "gr.disputes.view")
	data := &disputeData{D: d, Allowed: map[string]bool{}, Overdue: d.State.Open() && s.Now().After(d.Deadline)}
	for _, a := range grassroots.DActions {
		if _, ok := grassroots.Next(d.State, a); ok {
			data.Allowed[string(a)] = true
		}
	}
	if d.Extended {
		delete(data.Allowed, string(grassroots.DExtend))
	}
	if grassroots.UpLevel(d.Level) == "" {
		delete(data.Allowed, string(grassroots.DEscalate))
	}
	v.Form = url.Values{"due_on": {s.Now().In(clock.CST).AddDate(0, 0, 15).Format("2006-01-02")}}
	v.Data = data
	return v
}

func (s *Server) disputeShow(w http.ResponseWriter, r *http.Request) error {
	d, err := s.disputeOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "gr_dispute", s.disputeView(w, r, d))
	return nil
}

func (s *Server) disputeStep(w http.ResponseWriter, r *http.Request) error {
	d, err := s.disputeOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_dispute", "flash.saved", func() (*web.View, error) {
		v := s.disputeView(w, r, d)
		return v, nil
	}, func(vals url.Values, fe *errs.Fields) (string, error) {
		in := grassroots.StepInput{Action: grassroots.DAction(vals.Get("action")), Mediator: vals.Get("mediator"), Note: vals.Get("note")}
		if in.Action == grassroots.DAgree {
			in.Agreement = &grassroots.Agreement{Facts: vals.Get("facts"), Duties: vals.Get("duties"), How: vals.Get("how"), DueOn: vals.Get("due_on")}
		}
		_, err := s.gr.Step(r.Context(), web.Principal(r), d.ID, in)
		return "/grassroots/disputes/" + web.I64s(d.ID), err
	})
}

func (s *Server) agreementOf(w http.ResponseWriter, r *http.Request) (grassroots.Dispute, error) {
	d, err := s.disputeOf(r)
	if err != nil {
		return d, err
	}
	if d.Agreement == nil {
		return d, errs.NotFoundf("entity.agreement")
	}
	return d, nil
}

func (s *Server) agreementPrint(w http.ResponseWriter, r *http.Request) error {
	d, err := s.agreementOf(w, r)
	if err != nil {
		return err
	}
	v := s.View(w, r, "gr.agreement.title")
	v.Data = &disputeData{D: d}
	s.Render(w, r, http.StatusOK, "gr_agreement", v)
	return nil
}

// agreementLines is the agreement's text as the print page and the PDF
// both set it.
func agreementLines(l i18n.Lang, d grassroots.Dispute) (parties []string, body [][2]string) {
	for _, p := range d.Parties {
		line := i18n.T(l, "gr.dside."+p.Side) + "：" + p.Name
		if p.Address != "" {
			line += "，" + i18n.T(l, "gr.field.address") + "：" + p.Address
		}
		parties = append(parties, line)
	}
	a := d.Agreement
	body = [][2]string{
		{i18n.T(l, "gr.agreement.facts"), a.Facts},
		{i18n.T(l, "gr.agreement.duties"), a.Duties},
		{i18n.T(l, "gr.agreement.how"), a.How},
		{i18n.T(l, "gr.agreement.due_on"), a.DueOn},
	}
	return parties, body
}

func (s *Server) agreementPDF(w http.ResponseWriter, r *http.Request) error {
	d, err := s.agreementOf(w, r)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	parties, body := agreementLines(l, d)
	doc := pdfdoc.New()
	doc.Heading(i18n.T(l, "gr.agreement.title"), 22)
	doc.Para(fmt.Sprintf(i18n.T(l, "gr.agreement.number"), d.RegisteredOn[:4], d.ID), pdfdoc.ParaOpt{Size: 12, Align: pdfdoc.Right})
	doc.Space(4)
	doc.Para(i18n.T(l, "gr.agreement.parties"), pdfdoc.ParaOpt{Size: 14})
	for _, p := range parties {
		doc.Para(p, pdfdoc.ParaOpt{Size: 12, Indent: 2})
	}
	for _, b := range body {
		doc.Space(3)
		doc.Para(b[0], pdfdoc.ParaOpt{Size: 14})
		for _, line := range strings.Split(b[1], "\n") {
			doc.Para(line, pdfdoc.ParaOpt{Size: 12, Indent: 2})
		}
	}
	doc.Space(6)
	doc.Para(i18n.T(l, "gr.agreement.effect"), pdfdoc.ParaOpt{Size: 12, Indent: 2})
	doc.Space(10)
	doc.Para(i18n.T(l, "gr.agreement.signatures"), pdfdoc.ParaOpt{Size: 12})
	doc.Space(6)
	doc.Para(i18n.T(l, "gr.agreement.mediator")+"："+d.Mediator, pdfdoc.ParaOpt{Size: 12})
	doc.Para(d.RegionName+" "+i18n.T(l, "gr.agreement.committee"), pdfdoc.ParaOpt{Size: 12, Align: pdfdoc.Right})
	doc.Para(d.Agreement.SignedOn, pdfdoc.ParaOpt{Size: 12, Align: pdfdoc.Right})
	b, err := doc.Bytes()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="agreement-%d.pdf"`, d.ID))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(b)
	return err
}
