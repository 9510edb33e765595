package app

// Retention: personal data leaves on time (engine.Retention), on every
// site, and replication never brings it back.

// retentionRoutes are its lines of the route table.
func (a *App) retentionRoutes() []route {
	return []route{}
}
