package grassrootsweb

import (
	"net/http"
	"net/url"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/web"
)

type headsData struct {
	Rows  []grassroots.Head
	Grids []web.Choice
	Kinds []web.Option
}

func (s *Server) headsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "gr.heads.title")
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &headsData{Grids: gridsOnly(v, opts)}
	for _, k := range grassroots.HeadKinds {
		d.Kinds = append(d.Kinds, web.Option{Value: k, Label: v.T("grassroots.head." + k)})
	}
	if d.Rows, err = s.gr.Heads(r.Context(), p, 0); err != nil {
		return nil, err
	}
	v.Form = url.Values{"kind": {grassroots.HeadTen}}
	if len(d.Grids) == 1 {
		v.Form.Set("region_id", d.Grids[0].Value)
	}
	v.Data = d
	return v, nil
}

func (s *Server) headList(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_heads", func() (*web.View, error) { return s.headsView(w, r) })
}

func (s *Server) headCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_heads", "flash.created", func() (*web.View, error) { return s.headsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.HeadInput{RegionID: web.FormInt64(fe, vals, "region_id"), Kind: vals.Get("kind"), Name: vals.Get("name"),
				Phone: vals.Get("phone")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.CreateHead(r.Context(), web.Principal(r), in)
			return "/grassroots/heads", err
		})
}

func (s *Server) headDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.head")
	if err != nil {
		return err
	}
	if _, err := s.gr.GetHead(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	return s.Remove(w, r, "gr_heads", "/grassroots/heads", func() (*web.View, error) { return s.headsView(w, r) },
		func() error { return s.gr.DeleteHead(r.Context(), web.Principal(r), id) })
}
