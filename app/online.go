package app

import (
	"net/http"

	"pforte/engine"
)

// A building's rules for citizens' online bookings (public.go), set by an
// admin: how long an unconfirmed booking holds its slot, how many upcoming
// bookings one e-mail address may hold, whether a reminder goes out the day
// before, and the privacy notice shown before booking.

type onlineRules struct {
	ConfirmMinutes    int    `json:"confirm_minutes"`
	MaxActivePerEmail int    `json:"max_active_per_email"`
	ReminderDayBefore bool   `json:"reminder_day_before"`
	PrivacyNotice     string `json:"privacy_notice"`
}

// onlineRulesInput: a field left out keeps its value.
type onlineRulesInput struct {
	ConfirmMinutes    *int    `json:"confirm_minutes"`
	MaxActivePerEmail *int    `json:"max_active_per_email"`
	ReminderDayBefore *bool   `json:"reminder_day_before"`
	PrivacyNotice     *string `json:"privacy_notice"`
}

// onlineRulesOf shows the rules in force, defaults filled in.
func onlineRulesOf(b engine.Building) onlineRules {
	return onlineRules{ConfirmMinutes: int(b.ConfirmWindow().Minutes()), MaxActivePerEmail: b.MaxActivePerEmail(),
		ReminderDayBefore: b.Booking.ReminderDayBefore, PrivacyNotice: b.PrivacyNotice}
}

func (a *App) getOnlineRules(w http.ResponseWriter, r *http.Request) {
	b, err := a.store.Building(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, onlineRulesOf(b))
}

func (a *App) putOnlineRules(w http.ResponseWriter, r *http.Request) {
	b, err := a.store.Building(r.Context(), r.PathValue("id"))
	if err != nil {
		a.fail(w, r, err)
		return
	}
	var in onlineRulesInput
	if err := decode(w, r, &in); err != nil {
		a.fail(w, r, err)
		return
	}
	if in.ConfirmMinutes != nil {
		b.Booking.ConfirmMinutes = *in.ConfirmMinutes
	}
	if in.MaxActivePerEmail != nil {
		b.Booking.MaxActivePerEmail = *in.MaxActivePerEmail
	}
	if in.ReminderDayBefore != nil {
		b.Booking.ReminderDayBefore = *in.ReminderDayBefore
	}
	if in.PrivacyNotice != nil {
		b.PrivacyNotice = *in.PrivacyNotice
	}
	// The building's own check (engine.Building.Validate) bounds each
	// field and names it; nothing is written on an error.
	if err := a.store.DefineBuilding(r.Context(), a.author(r.Context()), b); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, onlineRulesOf(b))
}
