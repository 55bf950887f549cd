package inspectionweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) indexRoutes() {
	s.Page("GET /inspection/indexes", s.indexList)
	s.Page("GET /inspection/indexes/new", s.indexNew)
	s.Page("POST /inspection/indexes", s.indexCreate)
	s.Page("GET /inspection/indexes/import", s.indexImportForm)
	s.Page("POST /inspection/indexes/import", s.indexImport)
	s.Page("GET /inspection/indexes/{id}", s.indexShow)
	s.Page("POST /inspection/indexes/{id}", s.indexUpdate)
	s.Page("POST /inspection/indexes/{id}/activate", s.indexActivate)
	s.Page("POST /inspection/indexes/{id}/copy", s.indexCopy)
	s.Page("POST /inspection/indexes/{id}/delete", s.indexDelete)
	s.Page("GET /inspection/indexes/{id}/nodes/new", s.nodeNew)
	s.Page("POST /inspection/indexes/{id}/nodes", s.nodeCreate)
	s.Page("GET /inspection/indexes/{id}/nodes/{node}/edit", s.nodeEdit)
	s.Page("POST /inspection/indexes/{id}/nodes/{node}", s.nodeUpdate)
	s.Page("POST /inspection/indexes/{id}/nodes/{node}/delete", s.nodeDelete)
}

type indexListData struct {
	Rows      []inspection.Index
	CanManage bool
}

func (s *Server) indexList(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_index_list", func() (*web.View, error) {
		rows, err := s.insp.ListIndexes(r.Context(), web.Principal(r))
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "inspweb.indexes.title")
		v.Data = &indexListData{Rows: rows, CanManage: canManage(r)}
		return v, nil
	})
}

func (s *Server) indexOf(r *http.Request) (inspection.Index, error) {
	id, err := web.PathID(r, "id", "inspection.entity.index")
	if err != nil {
		return inspection.Index{}, err
	}
	return s.insp.GetIndex(r.Context(), web.Principal(r), id)
}

type indexFormData struct{ Index *inspection.Index }

func (s *Server) indexFormView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "inspweb.indexes.new")
	v.Data = &indexFormData{}
	return v, nil
}

func (s *Server) indexNew(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "insp_index_form", func() (*web.View, error) { return s.indexFormView(w, r) })
}

func (s *Server) indexCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_index_form", "flash.created", func() (*web.View, error) { return s.indexFormView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			x, err := s.insp.CreateIndex(r.Context(), web.Principal(r), inspection.IndexInput{Code: vals.Get("code"), Name: vals.Get("name"), NameEN: vals.Get("name_en"), Note: vals.Get("note")})
			return "/inspection/indexes/" + strconv.FormatInt(x.ID, 10), err
		})
}

// indexShowData is a version's page: its tree, what it breaks, and the
// forms that change it.
type indexShowData struct {
	Index     inspection.Index
	Nodes     []inspection.Node
	Problems  []problemRow
	CanManage bool
	Editable  bool
}

type problemRow struct {
	Code, Name, Message string
}

func (s *Server) indexShowView(w http.ResponseWriter, r *http.Request, x inspection.Index) (*web.View, error) {
	probs, ns, err := s.insp.Problems(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.indexes.show")
	d := &indexShowData{Index: x, Nodes: ns, CanManage: canManage(r), Editable: canManage(r) && x.State == inspection.StateDraft}
	for _, p := range probs {
		d.Problems = append(d.Problems, problemRow{Code: ns[p.Node].Code, Name: v.Name(ns[p.Node].Name, ns[p.Node].NameEN), Message: i18n.T(v.Lang, p.Key, p.Args...)})
	}
	v.Form = url.Values{"name": {x.Name}, "name_en": {x.NameEN}, "note": {x.Note}}
	v.Data = d
	return v, nil
}

func (s *Server) indexShow(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexOf(r)
	if err != nil {
		return err
	}
	if web.WantsXLSX(r) {
		ns, err := s.insp.Nodes(r.Context(), web.Principal(r), x.ID)
		if err != nil {
			return err
		}
		cols := []export.Column{{Header: inspection.IndexHeaders[0], Width: 12}, {Header: inspection.IndexHeaders[1], Width: 12},
			{Header: inspection.IndexHeaders[2], Width: 8}, {Header: inspection.IndexHeaders[3], Width: 60},
			{Header: inspection.IndexHeaders[4], Width: 8}, {Header: inspection.IndexHeaders[5], Width: 12}}
		return export.ServeXLSX(w, x.Code+"-v"+strconv.Itoa(x.Version), s.Now(), cols, inspection.IndexRows(ns))
	}
	return s.Show(w, r, "insp_index_show", func() (*web.View, error) { return s.indexShowView(w, r, x) })
}

func (s *Server) indexUpdate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_index_show", "flash.saved", func() (*web.View, error) { return s.indexShowView(w, r, x) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			_, err := s.insp.UpdateIndex(r.Context(), web.Principal(r), x.ID, inspection.IndexInput{Name: vals.Get("name"), NameEN: vals.Get("name_en"), Note: vals.Get("note")})
			return "/inspection/indexes/" + strconv.FormatInt(x.ID, 10), err
		})
}

// indexStep runs a step (activate, copy, delete) from the version's page;
// a refusal is shown there with its reason.
func (s *Server) indexStep(w http.ResponseWriter, r *http.Request, step func(x inspection.Index) (string, string, error)) error {
	x, err := s.indexOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	to, flash, err := step(x)
	if err != nil {
		return s.Refused(w, r, "insp_index_show", func() (*web.View, error) { return s.indexShowView(w, r, x) }, err)
	}
	return s.Redirect(w, r, to, flash)
}

func (s *Server) indexActivate(w http.ResponseWriter, r *http.Request) error {
	return s.indexStep(w, r, func(x inspection.Index) (string, string, error) {
		return "/inspection/indexes/" + strconv.FormatInt(x.ID, 10), "inspweb.flash.activated", s.insp.Activate(r.Context(), web.Principal(r), x.ID)
	})
}

func (s *Server) indexCopy(w http.ResponseWriter, r *http.Request) error {
	return s.indexStep(w, r, func(x inspection.Index) (string, string, error) {
		n, err := s.insp.NewVersion(r.Context(), web.Principal(r), x.ID)
		return "/inspection/indexes/" + strconv.FormatInt(n.ID, 10), "flash.created", err
	})
}

func (s *Server) indexDelete(w http.ResponseWriter, r *http.Request) error {
	return s.indexStep(w, r, func(x inspection.Index) (string, string, error) {
		return "/inspection/indexes", "flash.deleted", s.insp.DeleteIndex(r.Context(), web.Principal(r), x.ID)
	})
}

// ---- import ----

type importData struct {
	Cells []cellRow
}

type cellRow struct {
	Row         int
	Col, Header string
	Message     string
}

func (s *Server) importView(w http.ResponseWriter, r *http.Request) *web.View {
	v := s.View(w, r, "inspweb.import.title")
	v.Data = &importData{}
	return v
}

func (s *Server) indexImportForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	v := s.importView(w, r)
	v.Form = r.URL.Query()
	s.Render(w, r, http.StatusOK, "insp_index_import", v)
	return nil
}

func (s *Server) indexImport(w http.ResponseWriter, r *http.Request) error {
	if err := requireManage(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := s.importView(w, r)
	in := inspection.IndexInput{Code: r.PostForm.Get("code"), Name: r.PostForm.Get("name"), Note: r.PostForm.Get("note")}
	var x inspection.Index
	var err error
	file, _, ferr := r.FormFile("file")
	if ferr != nil {
		var fe errs.Fields
		fe.Add("file", "field.required")
		if e := errs.As(checkMeta(in)); e != nil {
			for k, m := range e.Fields {
				fe.Add(k, m.Key, m.Args...)
			}
		}
		err = fe.Err()
	} else {
		defer file.Close()
		x, err = s.insp.ImportIndex(r.Context(), web.Principal(r), in, file)
	}
	if err == nil {
		return s.Redirect(w, r, "/inspection/indexes/"+strconv.FormatInt(x.ID, 10), "inspweb.flash.imported")
	}
	if ie := inspection.AsImportErrors(err); ie != nil {
		d := v.Data.(*importData)
		for _, c := range ie.Cells {
			d.Cells = append(d.Cells, cellRow{Row: c.Row, Col: c.Col, Header: c.Header, Message: i18n.T(v.Lang, c.Key, c.Args...)})
		}
		v.ErrorMsg = v.T("inspweb.import.refused", len(ie.Cells))
		v.Form = r.PostForm
		s.Render(w, r, http.StatusBadRequest, "insp_index_import", v)
		return nil
	}
	return s.FormFailed(w, r, "insp_index_import", v, err)
}

// checkMeta finds the code and name errors of an import without a file.
func checkMeta(in inspection.IndexInput) error {
	var f errs.Fields
	if in.Code == "" {
		f.Add("code", "field.required")
	}
	if in.Name == "" {
		f.Add("name", "field.required")
	}
	return f.Err()
}

// ---- nodes ----

type nodeFormData struct {
	Index   inspection.Index
	Node    *inspection.Node
	Parents []web.Option
	Levels  []web.Option
	Methods []web.Option
}

func (s *Server) nodeFormView(w http.ResponseWriter, r *http.Request, x inspection.Index, n *inspection.Node) (*web.View, error) {
	ns, err := s.insp.Nodes(r.Context(), web.Principal(r), x.ID)
	if err != nil {
		return nil, err
	}
	title := "inspweb.node.new"
	if n != nil {
		title = "inspweb.node.edit"
	}
	v := s.View(w, r, title)
	d := &nodeFormData{Index: x, Node: n,
		Levels:  choicesOf(v, inspection.Levels, func(l inspection.Level) string { return string(l) }),
		Methods: choicesOf(v, inspection.Methods, func(m inspection.Method) string { return string(m) })}
	for _, o := range ns {
		if o.Level == inspection.LevelContent || (n != nil && o.ID == n.ID) {
			continue
		}
		d.Parents = append(d.Parents, web.Option{Value: strconv.FormatInt(o.ID, 10),
			Label: web.Indent(o.Depth) + o.Code + " " + v.Name(o.Name, o.NameEN) + " (" + v.T(o.Level.Key()) + ")"})
	}
	if n != nil {
		v.Form = url.Values{"parent_id": {web.I64s(n.ParentID)}, "level": {string(n.Level)}, "code": {n.Code}, "name": {n.Name}, "name_en": {n.NameEN},
			"points": {n.Points.String()}, "method": {string(n.Method)}, "sort": {strconv.Itoa(n.Sort)}}
	} else {
		q := r.URL.Query()
		v.Form = url.Values{"parent_id": {q.Get("parent")}, "sort": {"0"}}
		for _, o := range ns {
			if web.I64s(o.ID) == q.Get("parent") && o.Level.Depth() < 3 {
				v.Form.Set("level", string(inspection.Levels[o.Level.Depth()+1]))
			}
		}
		if q.Get("parent") == "" {
			v.Form.Set("level", string(inspection.LevelPart))
		}
	}
	v.Data = d
	return v, nil
}

func nodeInputOf(vals url.Values, fe *errs.Fields) inspection.NodeInput {
	return inspection.NodeInput{ParentID: web.FormInt64(fe, vals, "parent_id"), Level: inspection.Level(vals.Get("level")),
		Code: vals.Get("code"), Name: vals.Get("name"), NameEN: vals.Get("name_en"), Points: formPoints(fe, vals, "points"),
		Method: inspection.Method(vals.Get("method")), Sort: formInt(fe, vals, "sort")}
}

func (s *Server) nodeNew(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Show(w, r, "insp_node_form", func() (*web.View, error) { return s.nodeFormView(w, r, x, nil) })
}

func (s *Server) nodeCreate(w http.ResponseWriter, r *http.Request) error {
	x, err := s.indexOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_node_form", "flash.created", func() (*web.View, error) { return s.nodeFormView(w, r, x, nil) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := nodeInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.insp.SaveNode(r.Context(), web.Principal(r), x.ID, 0, in)
			return "/inspection/indexes/" + strconv.FormatInt(x.ID, 10), err
		})
}

func (s *Server) nodeOf(r *http.Request) (inspection.Index, inspection.Node, error) {
	x, err := s.indexOf(r)
	if err != nil {
		return x, inspection.Node{}, err
	}
	id, err := web.PathID(r, "node", "inspection.entity.node")
	if err != nil {
		return x, inspection.Node{}, err
	}
	n, err := s.insp.GetNode(r.Context(), web.Principal(r), x.ID, id)
	return x, n, err
}

func (s *Server) nodeEdit(w http.ResponseWriter, r *http.Request) error {
	x, n, err := s.nodeOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_node_form", func() (*web.View, error) { return s.nodeFormView(w, r, x, &n) })
}

func (s *Server) nodeUpdate(w http.ResponseWriter, r *http.Request) error {
	x, n, err := s.nodeOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Submit(w, r, "insp_node_form", "flash.saved", func() (*web.View, error) { return s.nodeFormView(w, r, x, &n) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := nodeInputOf(vals, fe)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.insp.SaveNode(r.Context(), web.Principal(r), x.ID, n.ID, in)
			return "/inspection/indexes/" + strconv.FormatInt(x.ID, 10), err
		})
}

func (s *Server) nodeDelete(w http.ResponseWriter, r *http.Request) error {
	x, n, err := s.nodeOf(r)
	if err != nil {
		return err
	}
	if err := requireManage(r); err != nil {
		return err
	}
	return s.Remove(w, r, "insp_node_form", "/inspection/indexes/"+strconv.FormatInt(x.ID, 10),
		func() (*web.View, error) { return s.nodeFormView(w, r, x, &n) },
		func() error { return s.insp.DeleteNode(r.Context(), web.Principal(r), x.ID, n.ID) })
}
