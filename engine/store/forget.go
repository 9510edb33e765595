package store

import "pforte/engine"

// ForgetPastDays drops the in-memory occupancy of days before yesterday;
// the database keeps them. Run nightly.
func (s *Store) ForgetPastDays() {
	s.occ.Forget(engine.Day(s.clock.Now().AddDate(0, 0, -1)))
}
