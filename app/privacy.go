package app

// The data-protection officer's tools: contact tracing for the health
// office and data-subject requests (DSGVO Art. 15 and 17).

// privacyRoutes are their lines of the route table.
func (a *App) privacyRoutes() []route {
	return []route{}
}
