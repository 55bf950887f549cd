package web

// orgRoutes registers the organisation pages and API (regions, units,
// pairings). Filled in by the organisation work.
func (s *Server) orgRoutes() {}
