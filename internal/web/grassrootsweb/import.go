package grassrootsweb

import (
	"net/http"

	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
)

type importData struct {
	Columns []string // headers in the page's language
	Errors  []rowMsg
	Result  *grassroots.ImportResult
}

type rowMsg struct {
	Row     int
	Column  string
	Message string
}

// headerNames are the accepted headers of each column, both languages.
func headerNames() grassroots.HeaderNames {
	h := grassroots.HeaderNames{}
	for _, c := range grassroots.ImportColumns {
		for _, l := range i18n.Langs {
			h[c] = append(h[c], i18n.T(l, "gr.col."+c))
		}
	}
	return h
}

func (s *Server) importView(w http.ResponseWriter, r *http.Request) *web.View {
	v := s.View(w, r, "gr.import.title")
	d := &importData{}
	for _, c := range grassroots.ImportColumns {
		d.Columns = append(d.Columns, v.T("gr.col."+c))
	}
	v.Data = d
	return v
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "gr_import", s.importView(w, r))
	return nil
}

// importTemplate is an empty workbook with the import's headers.
func (s *Server) importTemplate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	l := web.Lang(r)
	var cols []export.Column
	for _, c := range grassroots.ImportColumns {
		cols = append(cols, export.Column{Header: i18n.T(l, "gr.col."+c), Width: 16})
	}
	return export.ServeXLSX(w, i18n.T(l, "gr.import.template"), s.Now(), cols, nil)
}

func (s *Server) importUpload(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	v := s.importView(w, r)
	d := v.Data.(*importData)
	file, _, err := r.FormFile("file")
	if err != nil {
		v.ErrorMsg = v.T("gr.import.no_file")
		s.Render(w, r, http.StatusBadRequest, "gr_import", v)
		return nil
	}
	defer file.Close()
	res, err := s.gr.ImportHouseholds(r.Context(), web.Principal(r), file, headerNames())
	if ie, ok := grassroots.IsImportError(err); ok {
		for _, e := range ie.Rows {
			col := ""
			if e.Column != "" {
				col = v.T("gr.col." + e.Column)
			}
			d.Errors = append(d.Errors, rowMsg{Row: e.Row, Column: col, Message: v.T(e.Key, e.Args...)})
		}
		v.ErrorMsg = v.T("gr.import.refused", len(ie.Rows))
		s.Render(w, r, http.StatusUnprocessableEntity, "gr_import", v)
		return nil
	}
	if err != nil {
		return err
	}
	d.Result = &res
	s.Render(w, r, http.StatusOK, "gr_import", v)
	return nil
}
