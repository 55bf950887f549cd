package dashboardweb

import (
	"net/http"
	"time"

	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

func timeParse(d string) (time.Time, error) { return time.Parse(day, d) }

type periodJSON struct {
	Kind     string `json:"kind"`
	At       string `json:"at"`
	From     string `json:"from"`
	To       string `json:"to"`
	PrevFrom string `json:"prev_from"`
	PrevTo   string `json:"prev_to"`
}

type valueJSON struct {
	Count int64         `json:"count"`
	Rate  *figures.Rate `json:"rate,omitempty"`
}

type figureJSON struct {
	ID         string     `json:"id"`
	Label      string     `json:"label"`
	Definition string     `json:"definition"`
	Value      valueJSON  `json:"value"`
	Previous   *valueJSON `json:"previous"`
	Link       string     `json:"link,omitempty"`
}

type pairJSON struct {
	Row      workorder.StatRow `json:"row"`
	Previous workorder.StatRow `json:"previous"`
}

type dashJSON struct {
	Period     periodJSON           `json:"period"`
	Region     workorder.RegionView `json:"region"`
	Metric     string               `json:"metric"`
	Figures    []figureJSON         `json:"figures"`
	Months     []workorder.MonthRow `json:"months"`
	Regions    []pairJSON           `json:"regions"`
	Units      []pairJSON           `json:"units"`
	Categories []pairJSON           `json:"categories"`
	HotSpots   []workorder.HotSpot  `json:"hot_spots"`
}

func pairs(rows []rankRow) []pairJSON {
	out := []pairJSON{}
	for _, r := range rows {
		out = append(out, pairJSON{r.Row, r.Prev})
	}
	return out
}

func dashJSONOf(l i18n.Lang, rep *report) dashJSON {
	p := rep.Period
	out := dashJSON{Period: periodJSON{p.Kind, p.At, p.From, p.To, p.PrevFrom, p.PrevTo}, Region: rep.Region, Metric: rep.Metric,
		Figures: []figureJSON{}, Months: rep.Months, Regions: pairs(rep.Regions), Units: pairs(rep.Units), Categories: pairs(rep.Cats),
		HotSpots: rep.Spots}
	if out.HotSpots == nil {
		out.HotSpots = []workorder.HotSpot{}
	}
	if out.Region.Trail == nil {
		out.Region.Trail = []workorder.RegionNode{}
	}
	if out.Region.Children == nil {
		out.Region.Children = []workorder.RegionNode{}
	}
	for _, t := range rep.Tiles {
		f := figureJSON{ID: t.ID, Label: i18n.T(l, t.LabelKey), Definition: i18n.T(l, t.DefKey),
			Value: valueJSON{t.Value.Count, t.Value.Rate}, Link: t.Href}
		if t.HasPrev {
			f.Previous = &valueJSON{t.Prev.Count, t.Prev.Rate}
		}
		out.Figures = append(out.Figures, f)
	}
	return out
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := canSee(p); err != nil {
		return err
	}
	q, err := s.queryOf(r)
	if err != nil {
		return err
	}
	rep, err := s.report(r.Context(), p, q.Period, q.Region, q.Metric)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, dashJSONOf(web.Lang(r), rep))
	return nil
}
