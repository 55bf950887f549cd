package web

import "net/http"

// registerRoutes registers the core's routes (static files, health,
// metrics, sessions, home, the API's own) and then each module's.
func (s *Server) registerRoutes() {
	s.Mux.Handle("GET /static/", http.StripPrefix("/static/", s.assets))
	s.Mux.HandleFunc("GET /favicon.ico", s.favicon)
	s.Mux.HandleFunc("GET /healthz", s.healthz)
	s.Mux.HandleFunc("GET /readyz", s.readyz)
	s.Mux.HandleFunc("GET /metrics", s.metricsPage)

	s.sessionRoutes()
	s.homeRoutes()
	s.apiRoutes()
	for _, m := range s.modules {
		m.Register(s)
	}

	s.Mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errPageNotFound)
	})
}
