package web

// userRoutes registers the user, role and token pages and API.
func (s *Server) userRoutes() {}
