package ratingweb

import (
	"net/http"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/web"
)

// resultsPDF answers a round's results as the PDF of its public notice
// (公示): the round, the appeal window and the ranked table.
func (s *Server) resultsPDF(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraise); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.round")
	if err != nil {
		return err
	}
	rd, err := s.rating.GetRound(r.Context(), p, id)
	if err != nil {
		return err
	}
	es, err := s.rating.Entries(r.Context(), p, id)
	if err != nil {
		return err
	}
	v := s.View(w, r, "rating.pdf.title")
	d := pdfdoc.New()
	d.Heading(rd.Name+" "+v.T("rating.pdf.title"), 16)
	line := v.T("rating.field.period") + " " + rd.Period + "（" + rd.PeriodFrom + " – " + rd.PeriodTo + "） " + v.T("rating.field.template") + " " + rd.Template.Name
	if rd.AppealUntil != nil {
		line += " " + v.T("rating.field.appeal_until") + " " + rd.AppealUntil.In(clock.CST).Format("2006-01-02 15:04")
	}
	d.Para(line, pdfdoc.ParaOpt{})
	d.Space(3)
	cols := []pdfdoc.Col{{Title: v.T("rating.field.rank"), Width: 1}, {Title: v.T("rating.field.code"), Width: 1.4}, {Title: v.T("rating.field.name"), Width: 1.6},
		{Title: v.T("rating.field.post"), Width: 2.4}, {Title: v.T("rating.field.total"), Width: 1.2}, {Title: v.T("rating.field.band"), Width: 1.2}, {Title: v.T("rating.field.stars"), Width: 1}}
	rows := make([][]string, 0, len(es))
	for _, e := range es {
		rank, band, stars := "—", "", ""
		if e.Rank > 0 {
			rank = strconv.Itoa(e.Rank)
		}
		if e.Band != "" {
			band = v.T("rating.band." + e.Band)
		}
		if e.StarsAfter > 0 {
			stars = strconv.Itoa(e.StarsAfter)
		}
		rows = append(rows, []string{rank, e.Code, e.Name, e.Post, e.Total.String(), band, stars})
	}
	d.Table(cols, rows)
	b, err := d.Bytes()
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="rating-`+strconv.FormatInt(id, 10)+`.pdf"`)
	_, err = w.Write(b)
	return err
}
