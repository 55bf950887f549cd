package web

import "net/http"

// registerRoutes lists every route. Each capability's routes live in its
// own file (regions.go, units.go, users.go …) behind one call here.
func (s *Server) registerRoutes() {
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", s.assets))
	s.mux.HandleFunc("GET /favicon.ico", s.favicon)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /readyz", s.readyz)
	s.mux.HandleFunc("GET /metrics", s.metricsPage)

	s.sessionRoutes()
	s.homeRoutes()
	s.orgRoutes()
	s.supervisionRoutes()
	s.notifyRoutes()
	s.mapRoutes()
	s.userRoutes()
	s.auditRoutes()
	s.settingsRoutes()
	s.workorderRoutes()
	s.statsRoutes()
	s.pointsRoutes()
	s.notificationRoutes()
	s.woconfigRoutes()
	s.apiRoutes()
	s.publicRoutes()
	s.boardRoutes()

	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errPageNotFound)
	})
}
