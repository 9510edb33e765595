package store

import (
	"testing"

	"pforte/engine"
)

// TestEscrowCancelLeavesTheTicketsNewHolder: a day ticket freed by a
// cancel and taken again reach a site in one transaction (the rebooking
// waits for the cancel), which indexes both in map order. Whichever comes
// first, the ticket stays held by the new booking; else the site would
// give it a third time. Found by the cluster test, seed 165 of a soak.
func TestEscrowCancelLeavesTheTicketsNewHolder(t *testing.T) {
	ticket := engine.TicketToken("bb", "2026-11-18", 0)
	old := engine.Appointment{ID: "old", TicketToken: ticket.String(), Status: engine.ApptNoShow}
	cancelled := old
	cancelled.Status = engine.ApptCancelled
	again := engine.Appointment{ID: "again", TicketToken: ticket.String(), Status: engine.ApptBooked}
	for _, tt := range []struct {
		name  string
		order []engine.Appointment
	}{
		{"cancel first", []engine.Appointment{cancelled, again}},
		{"rebooking first", []engine.Appointment{again, cancelled}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEscrow()
			e.hold(old)
			for _, a := range tt.order {
				e.hold(a)
			}
			if !e.ticketHeld(ticket) {
				t.Errorf("ticket %s free; the rebooking holds it", ticket)
			}
			e.hold(engine.Appointment{ID: "again", TicketToken: ticket.String(), Status: engine.ApptCancelled})
			if e.ticketHeld(ticket) {
				t.Errorf("ticket %s held after both were cancelled", ticket)
			}
		})
	}
}
