package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"pforte/engine"
)

// RegisterVisit registers a visitor at the entrance. The input is checked
// (engine.NewVisit.Normalize), then the building and host must exist; the
// registration op and the visit row are written in one transaction.
func (s *Store) RegisterVisit(ctx context.Context, author string, n engine.NewVisit) (engine.Visit, error) {
	n, err := n.Normalize()
	if err != nil {
		return engine.Visit{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return engine.Visit{}, fmt.Errorf("new visit id: %w", err)
	}
	var v engine.Visit
	err = s.write(ctx, author, func(ctx context.Context, t *tx) error {
		b, err := building(ctx, t, n.Building)
		if err != nil {
			return invalidRef(err, "building", n.Building)
		}
		if _, err := staffMember(ctx, t, "host", n.Host); err != nil {
			return invalidRef(err, "host", n.Host)
		}
		if err := engine.Admit(b, n); err != nil {
			return err
		}
		if n.AppointmentID != "" {
			if err := t.checkInForVisit(ctx, b, n.AppointmentID, s.clock.Now()); err != nil {
				return err
			}
		}
		if _, err := t.append(ctx, engine.RegisterOp(id.String(), n, s.clock.Now())); err != nil {
			return err
		}
		v, err = visit(ctx, t, id.String())
		return err
	})
	return v, err
}

// PickUpVisit records that a member of staff fetched the visitor at the
// entrance; by "" means the host. A visit that is not waiting is
// engine.CodeInvalidState.
func (s *Store) PickUpVisit(ctx context.Context, author, id, by string) (engine.Visit, error) {
	return s.changeVisit(ctx, author, id, func(ctx context.Context, t *tx, v engine.Visit) (engine.Op, error) {
		if by == "" {
			by = v.Host
		} else if _, err := staffMember(ctx, t, "by", by); err != nil {
			return engine.Op{}, invalidRef(err, "by", by)
		}
		return engine.PickUp(v, by, s.clock.Now())
	})
}

// AcknowledgeVisit records that staff member by answered "Ich hole ab" and
// is on the way to the entrance; by "" means the host. The visitor keeps
// waiting until picked up.
func (s *Store) AcknowledgeVisit(ctx context.Context, author, id, by string) (engine.Visit, error) {
	return s.changeVisit(ctx, author, id, func(ctx context.Context, t *tx, v engine.Visit) (engine.Op, error) {
		if by == "" {
			by = v.Host
		} else if _, err := staffMember(ctx, t, "by", by); err != nil {
			return engine.Op{}, invalidRef(err, "by", by)
		}
		return engine.Acknowledge(v, by, s.clock.Now())
	})
}

// LeaveVisit records that the visitor left the building.
func (s *Store) LeaveVisit(ctx context.Context, author, id string) (engine.Visit, error) {
	return s.changeVisit(ctx, author, id, func(_ context.Context, _ *tx, v engine.Visit) (engine.Op, error) {
		return engine.Leave(v, s.clock.Now())
	})
}

func (s *Store) changeVisit(ctx context.Context, author, id string,
	decide func(context.Context, *tx, engine.Visit) (engine.Op, error)) (engine.Visit, error) {
	var v engine.Visit
	err := s.write(ctx, author, func(ctx context.Context, t *tx) error {
		cur, err := visit(ctx, t, id)
		if err != nil {
			return err
		}
		op, err := decide(ctx, t, cur)
		if err != nil {
			return err
		}
		if _, err := t.append(ctx, op); err != nil {
			return err
		}
		v, err = visit(ctx, t, id)
		return err
	})
	return v, err
}

// invalidRef turns "referenced entity not found" into bad input naming the
// field that referred to it.
func invalidRef(err error, field, id string) error {
	if e := engine.AsError(err); e.Code == engine.CodeNotFound {
		return engine.InvalidRule(field, engine.RuleUnknown, "unknown %s %q", field, id)
	}
	return err
}
