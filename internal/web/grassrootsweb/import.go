package grassrootsweb

import (
	_ "embed"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed import.js
var importJS []byte

// importScript is the import screen's progress bar (import.js).
func (s *Server) importScript(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, err := w.Write(importJS)
	return err
}

type importData struct {
	Columns []string // headers in the page's language
	Errors  []rowMsg
	Result  *grassroots.ImportResult
}

type rowMsg struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Message string `json:"message"`
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
	if strings.Contains(r.Header.Get("Accept"), ndjson) {
		s.importStream(w, r, v, file)
		return nil
	}
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

const ndjson = "application/x-ndjson"

// importLine is one line of the import's progress stream: the phase
// (read, save, commit, then done, refused or failed), rows done of the
// file's rows, the text to show, and on refusal the problems.
type importLine struct {
	Phase   string   `json:"phase"`
	Done    int      `json:"done"`
	Total   int      `json:"total"`
	Message string   `json:"message"`
	Errors  []rowMsg `json:"errors,omitempty"`
}

// importStream runs the import answering with one JSON line per step of
// its progress (import.js draws the bar and, at the end, the result or
// the table of problems): a 100,000-row file takes tens of seconds, and
// the user sees how far it is. The whole file is still one transaction.
func (s *Server) importStream(w http.ResponseWriter, r *http.Request, v *web.View, file io.Reader) {
	w.Header().Set("Content-Type", ndjson+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	send := func(l importLine) {
		if err := enc.Encode(l); err == nil {
			_ = rc.Flush()
		}
	}
	progress := func(phase string, done, total int) {
		msg := v.T("gr.import.progress."+phase, done, total)
		if phase == grassroots.ProgressRead { // no total while the workbook is read
			msg = v.T("gr.import.progress."+phase, done)
		}
		send(importLine{Phase: phase, Done: done, Total: total, Message: msg})
	}
	res, err := s.gr.ImportHouseholdsProgress(r.Context(), web.Principal(r), file, headerNames(), progress)
	if ie, ok := grassroots.IsImportError(err); ok {
		l := importLine{Phase: "refused", Message: v.T("gr.import.refused", len(ie.Rows))}
		for _, e := range ie.Rows {
			col := ""
			if e.Column != "" {
				col = v.T("gr.col." + e.Column)
			}
			l.Errors = append(l.Errors, rowMsg{Row: e.Row, Column: col, Message: v.T(e.Key, e.Args...)})
		}
		send(l)
		return
	}
	if err != nil {
		slog.Error("grassroots import", "err", err)
		send(importLine{Phase: "failed", Message: v.T("gr.import.failed")})
		return
	}
	send(importLine{Phase: "done", Done: res.Households, Total: res.Households, Message: v.T("gr.import.done", res.Households, res.People, res.Tags)})
}
