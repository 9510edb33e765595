package app

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// clockJSON is this site's clock in GET /api/sync/status. Other sites
// refuse, for now, ops stamped more than engine.MaxClockAhead ahead of
// their clocks: a site whose clock runs ahead, or ran ahead when it wrote
// its last ops, shares nothing new until the others' clocks come near.
type clockJSON struct {
	Now string `json:"now"` // the wall clock
	// HLC is the last HLC this site stamped or observed (its physical
	// part, Berlin time): its next op is stamped after it. HLCAheadMs is
	// how far that runs ahead of the wall clock, 0 when it does not.
	HLC        string `json:"hlc"`
	HLCAheadMs int64  `json:"hlc_ahead_ms"`
	MaxAheadMs int64  `json:"max_ahead_ms"` // engine.MaxClockAhead
	// RefusedBy lists the peers that refuse this site's own ops for now,
	// as stamped too far ahead of their clocks.
	RefusedBy []string `json:"refused_by"`
	// Refusing lists, per origin, the op of another site that this site
	// refuses for now, as stamped too far ahead of its clock; the origin's
	// later ops wait for it.
	Refusing []waitingJSON `json:"refusing"`
	// Warning says in German what either means for the person at the
	// desk; "" when all is well.
	Warning string `json:"warning,omitempty"`
}

// clockStatus describes this site's clock; refusedBy are the peers that
// refuse its own ops for now.
func (a *App) clockStatus(refusedBy []string) clockJSON {
	refusing := []waitingJSON{}
	if a.sync != nil {
		for _, f := range a.sync.Refusing() {
			refusing = append(refusing, waitingJSON{Origin: f.Origin, Seq: f.Seq, AheadMs: f.Ahead.Milliseconds(), Since: apiTime(f.At)})
		}
	}
	now := a.clock.Now()
	last := a.store.LastHLC()
	ahead := max(last.Ahead(now), 0)
	slices.Sort(refusedBy)
	c := clockJSON{Now: apiTime(now), HLC: apiTime(last.Time()), HLCAheadMs: ahead.Milliseconds(),
		MaxAheadMs: engine.MaxClockAhead.Milliseconds(), RefusedBy: slices.Compact(refusedBy), Refusing: refusing}
	if c.RefusedBy == nil {
		c.RefusedBy = []string{}
	}
	var warn []string
	if ahead > engine.MaxClockAhead {
		warn = append(warn, fmt.Sprintf("Die letzten Änderungen dieses Standorts tragen eine Zeit %s nach seiner Uhr "+
			"(die Uhr ging vor, als sie geschrieben wurden). Andere Standorte übernehmen seine neuen Änderungen erst ab %s.",
			aheadText(ahead), last.Time().Add(-engine.MaxClockAhead).In(engine.Berlin).Format("02.01.2006 15:04")))
	}
	if len(c.RefusedBy) > 0 {
		warn = append(warn, fmt.Sprintf("%s übernehmen die Änderungen dieses Standorts noch nicht: sie tragen eine Zeit "+
			"mehr als %d Minuten nach deren Uhr. Bitte die Uhrzeit dieses Rechners prüfen.",
			strings.Join(c.RefusedBy, ", "), int(engine.MaxClockAhead.Minutes())))
	}
	c.Warning = strings.Join(warn, " ")
	return c
}

// warnClockAhead logs, at start, when this site's last ops are stamped
// ahead of its clock: the clock ran ahead when they were written and has
// been set right since. The HLC goes on from those ops (a site never
// stamps an op before its earlier ones), so other sites refuse its new
// ops until their clocks come near them.
func (a *App) warnClockAhead() {
	now := a.clock.Now()
	last := a.store.LastHLC()
	if ahead := last.Ahead(now); ahead > engine.MaxClockAhead {
		a.log.Warn("clock: this site's last ops are stamped ahead of its clock (it ran ahead when they were written); "+
			"new ops are stamped after them, so other sites refuse them until their clocks come near",
			"ahead", ahead.Round(time.Second), "max_ahead", engine.MaxClockAhead,
			"taken_from", last.Time().Add(-engine.MaxClockAhead).UTC().Format(time.RFC3339))
	}
}

// aheadText says a duration in German, roughly.
func aheadText(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d Tage", int(math.Round(d.Hours()/24)))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d Stunden", int(math.Round(d.Hours())))
	default:
		return fmt.Sprintf("%d Minuten", int(math.Round(d.Minutes())))
	}
}
