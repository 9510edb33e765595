package app

import "pforte/engine"

// Placeholders until the outbox lands (branch mail); removed at its merge.

func (a *App) wakeMail() {}

func (a *App) calendarFile(ap engine.Appointment) ([]byte, error) {
	return nil, &engine.Error{Code: engine.CodeNotFound, Detail: "no calendar files yet"}
}
