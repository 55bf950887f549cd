package web

// auditRoutes registers the audit log and settings pages and API.
func (s *Server) auditRoutes() {}
