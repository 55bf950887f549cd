package web

import (
	"net/http"
	"slices"
	"strings"
)

// handler is an HTTP handler that returns its error to one place (fail).
type handler func(w http.ResponseWriter, r *http.Request) error

// access says who may reach a route at all; finer permission and data-scope
// checks are the services' job.
type access int

const (
	staff  access = iota // a logged-in user (pages redirect to /login, the API answers 401)
	public               // anyone
)

// route is a registered route, kept for the OpenAPI document and its test.
type route struct {
	Method, Path string
	API          bool
	Access       access
	Doc          APIDoc
}

// APIDoc describes an API route for /api/v1/openapi.json.
type APIDoc struct {
	Summary  string
	Tag      string
	Params   []Param        // query and path parameters
	Body     map[string]any // JSON schema of the request body, nil for none
	Response map[string]any // JSON schema of the 2xx body
	Status   int            // success status (default 200)
	Extra    map[int]string // other documented statuses
}

// Param is an API parameter.
type Param struct {
	Name, In, Type, Description string
	Required                    bool
}

func (s *Server) handle(pattern string, acc access, api bool, doc APIDoc, h handler) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, route{Method: method, Path: path, API: api, Access: acc, Doc: doc})
	s.Mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if acc == staff {
			info := infoOf(r)
			if info.P == nil {
				if api {
					s.fail(w, r, errUnauthorized)
					return
				}
				http.Redirect(w, r, "/login?next="+URLQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			// A user who must change their password can do nothing else.
			if info.P.MustChange && !api && path != "/account/password" && path != "/logout" && path != "/lang" {
				http.Redirect(w, r, "/account/password", http.StatusSeeOther)
				return
			}
		}
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// page registers an HTML route for logged-in staff.
func (s *Server) Page(pattern string, h handler) { s.handle(pattern, staff, false, APIDoc{}, h) }

// publicPage registers an HTML route anyone may reach.
func (s *Server) PublicPage(pattern string, h handler) { s.handle(pattern, public, false, APIDoc{}, h) }

// api registers a JSON route for authenticated clients.
func (s *Server) API(pattern string, doc APIDoc, h handler) { s.handle(pattern, staff, true, doc, h) }

// publicAPI registers a JSON route anyone may call.
func (s *Server) PublicAPI(pattern string, doc APIDoc, h handler) {
	s.handle(pattern, public, true, doc, h)
}

// APIRoutes lists the registered /api/v1 routes (method and path), sorted.
func (s *Server) APIRoutes() []string {
	var out []string
	for _, r := range s.routes {
		if r.API {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	slices.Sort(out)
	return out
}
