package open311web

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"strings"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/open311"
)

// Open311 GeoReport v2 at /open311/v2/ (internal/open311 owns the
// protocol; these handlers only route, parse the form and write), and the
// admins' screen and API for the clients' api_keys.

// maxOpen311Body bounds a POST requests body: text fields only (media is
// a URL).
const maxOpen311Body = 1 << 20

type o311 struct {
	s *Server
	o *open311.Service
}

func (s *Server) open311Routes() {
	h := &o311{s: s, o: s.o311}
	for _, ext := range []string{".xml", ".json"} {
		s.PublicPage("GET /open311/v2/discovery"+ext, h.discovery)
		s.PublicPage("GET /open311/v2/services"+ext, h.services)
		s.PublicPage("GET /open311/v2/requests"+ext, h.list)
		s.PublicPage("POST /open311/v2/requests"+ext, h.post)
		s.PublicPage("GET /open311/v2/servicerequestupdates"+ext, h.updates)
	}
	s.PublicPage("GET /open311/v2/services/{file}", h.definition)
	s.PublicPage("GET /open311/v2/requests/{file}", h.one)
	s.PublicPage("GET /open311/v2/tokens/{file}", h.token)
	// Anything else under /open311/ is the standard's 404 (or 405).
	s.Mux.HandleFunc("/open311/", h.notFound)

	s.Page("GET /open311-clients", h.clientsPage)
	s.Page("POST /open311-clients", h.clientIssue)
	s.Page("POST /open311-clients/{id}/revoke", h.clientRevoke)
	client := web.Obj(map[string]any{"id": web.Integer(), "name": web.Str(), "contact": web.Str(), "created_at": web.DateTime(),
		"revoked_at": map[string]any{"type": "string", "format": "date-time", "nullable": true},
		"requests":   map[string]any{"type": "integer", "description": "orders filed with this client's key"}})
	s.API("GET /api/v1/open311/clients", web.APIDoc{Summary: "Open311 clients and how many orders each filed (token.manage)",
		Tag: "open311", Response: web.Obj(map[string]any{"items": web.Arr(client)})}, h.apiClients)
	s.API("POST /api/v1/open311/clients", web.APIDoc{
		Summary: "Issue an Open311 api_key to a named client (token.manage); the key is returned once and stored hashed. " +
			"The name becomes the source of the orders it files.",
		Tag: "open311", Status: http.StatusCreated,
		Body:     web.Obj(map[string]any{"name": web.Str(), "contact": web.Str()}, "name"),
		Response: web.Obj(map[string]any{"client": client, "api_key": web.Str()})}, h.apiIssue)
	s.API("POST /api/v1/open311/clients/{id}/revoke", web.APIDoc{Summary: "Revoke an Open311 client's api_key (token.manage)",
		Tag: "open311", Params: []web.Param{{Name: "id", In: "path", Type: "integer", Description: "client id", Required: true}},
		Status: http.StatusNoContent, Extra: map[int]string{http.StatusConflict: "already revoked"}}, h.apiRevoke)
}

// site is where the answers' URLs point: the configured base URL, else
// the address the request came to.
func (h *o311) site(r *http.Request) open311.Site {
	base := strings.TrimRight(h.s.Config.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return open311.Site{Base: base, Lang: web.Lang(r)}
}

// format is the format the path's extension asks for.
func format(r *http.Request) open311.Format {
	if strings.HasSuffix(r.URL.Path, ".json") {
		return open311.JSON
	}
	return open311.XML
}

// fail writes an error in the standard's shape, logging internal ones.
func (h *o311) fail(w http.ResponseWriter, r *http.Request, f open311.Format, err error) error {
	p := open311.ProblemOf(err, web.Lang(r))
	if p.Status >= 500 {
		h.s.Log.Error("open311", "path", r.URL.Path, "err", err)
	}
	return open311.WriteErrors(w, f, p.Status, p.Items...)
}

func (h *o311) write(w http.ResponseWriter, r *http.Request, status int, root string, doc any, err error) error {
	f := format(r)
	if err != nil {
		return h.fail(w, r, f, err)
	}
	return open311.Write(w, status, f, root, doc)
}

func (h *o311) discovery(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.o.Discovery(r.Context(), h.site(r))
	return h.write(w, r, http.StatusOK, "discovery", doc, err)
}

func (h *o311) services(w http.ResponseWriter, r *http.Request) error {
	doc, err := h.o.Services(r.Context(), h.site(r))
	return h.write(w, r, http.StatusOK, "services", doc, err)
}

// file reads the {file} segment: its name and format, or the 404.
func (h *o311) file(w http.ResponseWriter, r *http.Request) (string, open311.Format, bool) {
	name, f, ok := open311.SplitFormat(r.PathValue("file"))
	if !ok || name == "" {
		h.fail(w, r, f, errs.E(errs.NotFound, "open311.err.not_found"))
		return "", f, false
	}
	return name, f, true
}

func (h *o311) definition(w http.ResponseWriter, r *http.Request) error {
	code, f, ok := h.file(w, r)
	if !ok {
		return nil
	}
	doc, err := h.o.Definition(r.Context(), h.site(r), code)
	if err != nil {
		return h.fail(w, r, f, err)
	}
	return open311.Write(w, http.StatusOK, f, "service_definition", doc)
}

func (h *o311) post(w http.ResponseWriter, r *http.Request) error {
	f := format(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxOpen311Body)
	if err := web.ParseForm(r); err != nil {
		return h.fail(w, r, f, err)
	}
	vals := r.PostForm
	if vals.Get("api_key") == "" && r.URL.Query().Get("api_key") != "" {
		// Some clients put the key in the query string.
		vals.Set("api_key", r.URL.Query().Get("api_key"))
	}
	if k := r.Header.Get("Idempotency-Key"); k != "" && vals.Get("idempotency_key") == "" {
		vals.Set("idempotency_key", k)
	}
	p, err := h.o.Submit(r.Context(), h.site(r), vals, web.ClientIP(r))
	if err != nil {
		return h.fail(w, r, f, err)
	}
	return open311.Write(w, http.StatusCreated, f, "service_requests", p.Doc())
}

func (h *o311) list(w http.ResponseWriter, r *http.Request) error {
	q, err := open311.ParseQuery(r.URL.Query(), h.s.Clock.Now())
	if err != nil {
		return h.fail(w, r, format(r), err)
	}
	doc, err := h.o.Requests(r.Context(), h.site(r), q)
	return h.write(w, r, http.StatusOK, "service_requests", doc, err)
}

func (h *o311) one(w http.ResponseWriter, r *http.Request) error {
	id, f, ok := h.file(w, r)
	if !ok {
		return nil
	}
	ext := r.URL.Query().Get("extensions") == "true"
	doc, err := h.o.Request(r.Context(), h.site(r), id, ext)
	if err != nil {
		return h.fail(w, r, f, err)
	}
	return open311.Write(w, http.StatusOK, f, "service_requests", doc)
}

func (h *o311) token(w http.ResponseWriter, r *http.Request) error {
	tok, f, ok := h.file(w, r)
	if !ok {
		return nil
	}
	doc, err := h.o.Token(r.Context(), tok)
	if err != nil {
		return h.fail(w, r, f, err)
	}
	return open311.Write(w, http.StatusOK, f, "service_requests", doc)
}

func (h *o311) updates(w http.ResponseWriter, r *http.Request) error {
	q, err := open311.ParseUpdatesQuery(r.URL.Query(), h.s.Clock.Now())
	if err != nil {
		return h.fail(w, r, format(r), err)
	}
	doc, err := h.o.Updates(r.Context(), h.site(r), q)
	return h.write(w, r, http.StatusOK, "service_request_updates", doc, err)
}

// notFound answers every other path under /open311/: 405 for a known
// resource with another method, else 404.
func (h *o311) notFound(w http.ResponseWriter, r *http.Request) {
	f := format(r)
	name := strings.TrimSuffix(strings.TrimSuffix(r.URL.Path, ".json"), ".xml")
	switch name {
	case "/open311/v2/discovery", "/open311/v2/services", "/open311/v2/requests", "/open311/v2/servicerequestupdates":
		if name+"."+string(f) == r.URL.Path {
			w.Header().Set("Allow", "GET, HEAD")
			if name == "/open311/v2/requests" {
				w.Header().Set("Allow", "GET, HEAD, POST")
			}
			open311.WriteErrors(w, f, http.StatusMethodNotAllowed,
				open311.ErrorItem{Code: http.StatusMethodNotAllowed, Description: i18n.T(web.Lang(r), "open311.err.method")})
			return
		}
	}
	h.fail(w, r, f, errs.E(errs.NotFound, "open311.err.not_found"))
}

// ---- clients ----

type clientsData struct {
	Clients []open311.Client
	Key     string // the key just issued, shown once
	Issued  *open311.Client
	Base    string
}

func (h *o311) clientsView(w http.ResponseWriter, r *http.Request) (*web.View, *clientsData, error) {
	cs, err := h.o.Clients(r.Context(), web.Principal(r))
	if err != nil {
		return nil, nil, err
	}
	v := h.s.View(w, r, "open311.clients.title")
	d := &clientsData{Clients: cs, Base: h.site(r).Endpoint()}
	v.Data = d
	return v, d, nil
}

func (h *o311) clientsPage(w http.ResponseWriter, r *http.Request) error {
	v, _, err := h.clientsView(w, r)
	if err != nil {
		return err
	}
	h.s.Render(w, r, http.StatusOK, "open311_clients", v)
	return nil
}

func (h *o311) clientIssue(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	c, key, err := h.o.IssueClient(r.Context(), web.Principal(r), open311.ClientInput{Name: r.PostFormValue("name"),
		Contact: r.PostFormValue("contact")})
	if err != nil {
		if errs.CodeOf(err) == errs.Forbidden {
			return err
		}
		v, _, verr := h.clientsView(w, r)
		if verr != nil {
			return verr
		}
		r.PostForm.Del("csrf")
		return h.s.FormFailed(w, r, "open311_clients", v, err)
	}
	v, d, err := h.clientsView(w, r)
	if err != nil {
		return err
	}
	d.Key, d.Issued = key, &c
	w.Header().Set("Cache-Control", "no-store")
	h.s.Render(w, r, http.StatusCreated, "open311_clients", v)
	return nil
}

func (h *o311) clientRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "open311.entity.client")
	if err != nil {
		return err
	}
	if err := h.o.RevokeClient(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	return h.s.Redirect(w, r, "/open311-clients", "open311.clients.revoked")
}

func (h *o311) apiClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := h.o.Clients(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": cs})
	return nil
}

func (h *o311) apiIssue(w http.ResponseWriter, r *http.Request) error {
	var in open311.ClientInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	c, key, err := h.o.IssueClient(r.Context(), web.Principal(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusCreated, map[string]any{"client": c, "api_key": key})
	return nil
}

func (h *o311) apiRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "open311.entity.client")
	if err != nil {
		return err
	}
	if err := h.o.RevokeClient(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
