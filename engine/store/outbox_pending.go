package store

import (
	"context"

	"pforte/engine"
)

// queueMail: placeholder until the outbox lands (branch mail); removed at
// its merge.
func (t *tx) queueMail(ctx context.Context, kind string, a engine.Appointment) error { return nil }
