package app_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"pforte/engine"
)

// allotments is GET /api/allotments as a test reads it.
type allotments struct {
	Site      string         `json:"site"`
	Sites     []string       `json:"sites"`
	Buildings []allotmentRow `json:"buildings"`
}

// allotmentRow is one building's allotment settings.
type allotmentRow struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	HomeSite     string         `json:"home_site"`
	Allotments   map[string]int `json:"allotments"`
	TokenMinutes int            `json:"token_minutes"`
}

func (r allotmentRow) same(o allotmentRow) bool {
	return r.ID == o.ID && r.HomeSite == o.HomeSite && r.TokenMinutes == o.TokenMinutes && maps.Equal(r.Allotments, o.Allotments)
}

type tokenSummary struct {
	Building    string `json:"building"`
	Day         string `json:"day"`
	Escrowed    bool   `json:"escrowed"`
	OwnedPlaces int    `json:"owned_places"`
	FreePlaces  int    `json:"free_places"`
	Tickets     int    `json:"tickets"`
}

func (s *site) put(t *testing.T, path, body string) response {
	t.Helper()
	return s.do(t, http.MethodPut, path, strings.NewReader(body))
}

// escrow makes home the home site of a building with the given allotments,
// as if an admin elsewhere had set them.
func (s *site) escrow(t *testing.T, building, home string, allot map[string]int) {
	t.Helper()
	ctx := context.Background()
	b, err := s.app.BuildingForTest(ctx, building)
	if err != nil {
		t.Fatal(err)
	}
	b.HomeSite, b.Booking.Allotments = home, allot
	if err := s.app.RedefineBuildingForTest(ctx, b); err != nil {
		t.Fatalf("escrow %s: %v", building, err)
	}
}

func (s *site) summary(t *testing.T, query string) tokenSummary {
	t.Helper()
	var got tokenSummary
	s.get(t, "/api/tokens/summary?"+query).want(t, http.StatusOK, &got)
	return got
}

func TestAllotmentsListsEveryBuildingAndTheKnownSites(t *testing.T) {
	s := openDemo(t)
	s.escrow(t, "buergerbuero", "buergerbuero-pforte", map[string]int{"filiale": 25})
	var got allotments
	s.get(t, "/api/allotments").want(t, http.StatusOK, &got)
	if got.Site != "test" {
		t.Errorf("site %q, want test", got.Site)
	}
	if want := []string{"buergerbuero-pforte", "filiale", "test"}; !slices.Equal(got.Sites, want) {
		t.Errorf("sites %v, want %v", got.Sites, want)
	}
	var ids []string
	for _, b := range got.Buildings {
		ids = append(ids, b.ID)
		switch {
		case b.ID == "buergerbuero":
			if b.HomeSite != "buergerbuero-pforte" || b.Allotments["filiale"] != 25 || b.TokenMinutes != 60 {
				t.Errorf("buergerbuero: %+v", b)
			}
		case b.HomeSite != "" || len(b.Allotments) != 0 || b.TokenMinutes != 60 || b.Allotments == nil:
			t.Errorf("%s: %+v, want no home site, {} and 60 minutes", b.ID, b)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, demoBuildingIDs) {
		t.Errorf("buildings %v, want %v", ids, demoBuildingIDs)
	}
}

func TestPutAllotmentsRefusesBadInputAndWritesNothing(t *testing.T) {
	s := openDemo(t)
	s.escrow(t, "rathaus-2", "test", map[string]int{"filiale": 10})
	for _, tt := range []struct {
		name, body, field string
	}{
		{"more than 100 percent", `{"home_site":"test","allotments":{"a":60,"b":50}}`, "allotments"},
		{"negative percent", `{"allotments":{"a":-5}}`, "allotments"},
		{"percent over 100", `{"allotments":{"a":101}}`, "allotments"},
		{"percent not a number", `{"allotments":{"a":"zehn"}}`, "allotments"},
		{"site with a space", `{"allotments":{"Filiale Nord":10}}`, "allotments"},
		{"site without a name", `{"allotments":{" ":10}}`, "allotments"},
		{"the home site allotted", `{"allotments":{"test":10}}`, "allotments"},
		{"allotments without a home site", `{"home_site":""}`, "home_site"},
		{"home site with a space", `{"home_site":"a b"}`, "home_site"},
		{"home site too long", `{"home_site":"` + strings.Repeat("x", engine.MaxIDLen+1) + `"}`, "home_site"},
		{"block of no minutes", `{"token_minutes":0}`, "token_minutes"},
		{"block over a day", `{"token_minutes":1441}`, "token_minutes"},
		{"block not a number", `{"token_minutes":"60"}`, "token_minutes"},
		{"unknown field", `{"home":"test"}`, "home"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after allotments
			s.get(t, "/api/allotments").want(t, http.StatusOK, &before)
			vBefore := s.get(t, "/api/sync/status").body
			s.put(t, "/api/buildings/rathaus-2/allotments", tt.body).wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
			s.get(t, "/api/allotments").want(t, http.StatusOK, &after)
			if b, a := s.get(t, "/api/sync/status").body, vBefore; string(b) != string(a) {
				t.Errorf("sync status changed: %s → %s", a, b)
			}
			if !slices.EqualFunc(before.Buildings, after.Buildings, allotmentRow.same) {
				t.Errorf("allotments changed: %+v → %+v", before.Buildings, after.Buildings)
			}
		})
	}
	s.put(t, "/api/buildings/nirgends/allotments", `{"home_site":"test"}`).wantError(t, http.StatusNotFound, engine.CodeNotFound, anyField)
}

// supportsDefine skips a test when the store cannot write a building's
// definition yet (PUT answers 501).
func supportsDefine(t *testing.T, r response) {
	t.Helper()
	if r.status == http.StatusNotImplemented {
		t.Skip("store has no DefineBuilding yet: PUT /api/buildings/{id}/allotments answers 501")
	}
}

func TestPutAllotmentsWritesAndHandsOnTokensAtOnce(t *testing.T) {
	s := openDemo(t)
	const tomorrow = "2026-11-19"
	before := s.summary(t, "building=buergerbuero&day="+today)
	beforeTomorrow := s.summary(t, "building=buergerbuero&day="+tomorrow)
	if before.Escrowed || before.OwnedPlaces == 0 || before.FreePlaces != before.OwnedPlaces {
		t.Fatalf("before: %+v, want not escrowed, every place owned and free", before)
	}
	r := s.put(t, "/api/buildings/buergerbuero/allotments", `{"home_site":"test","allotments":{"filiale":50},"token_minutes":30}`)
	supportsDefine(t, r)
	var got allotmentRow
	r.want(t, http.StatusOK, &got)
	if got.HomeSite != "test" || got.Allotments["filiale"] != 50 || got.TokenMinutes != 30 {
		t.Errorf("answer %+v", got)
	}
	var list allotments
	s.get(t, "/api/allotments").want(t, http.StatusOK, &list)
	if !slices.Contains(list.Sites, "filiale") {
		t.Errorf("sites %v lack filiale", list.Sites)
	}
	// Handed on at once: tomorrow the branch owns half of the places, this
	// site the rest. Today is past its release time: every place stays home.
	half := s.summary(t, "building=buergerbuero&day="+tomorrow)
	if n := beforeTomorrow.OwnedPlaces; !half.Escrowed || half.OwnedPlaces < n*4/10 || half.OwnedPlaces > n*6/10 || half.Tickets != 10 {
		t.Errorf("tomorrow: %+v, want escrowed, about half of %d places and 10 of 20 tickets", half, n)
	}
	if now := s.summary(t, "building=buergerbuero&day="+today); !now.Escrowed || now.OwnedPlaces != before.OwnedPlaces {
		t.Errorf("today, after the release: %+v, want all %d places", now, before.OwnedPlaces)
	}
}

func TestTokenSummary(t *testing.T) {
	s := openDemo(t)
	s.escrow(t, "rathaus-2", "anderswo", nil)
	t.Run("not escrowed: every place", func(t *testing.T) {
		got := s.summary(t, "building=buergerbuero&day="+today)
		if got.Building != "buergerbuero" || got.Day != today || got.Escrowed || got.OwnedPlaces == 0 || got.Tickets != 20 {
			t.Errorf("%+v", got)
		}
	})
	t.Run("escrowed elsewhere: nothing of ours", func(t *testing.T) {
		got := s.summary(t, "building=rathaus-2&day="+today)
		if !got.Escrowed || got.OwnedPlaces != 0 || got.FreePlaces != 0 || got.Tickets != 0 {
			t.Errorf("%+v", got)
		}
	})
	t.Run("bad input names the field", func(t *testing.T) {
		s.get(t, "/api/tokens/summary?building=nirgends").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "building")
		s.get(t, "/api/tokens/summary?day=18.11.2026").wantError(t, http.StatusBadRequest, engine.CodeInvalidField, "day")
	})
}

func TestSlotsOfferOnlyOwnTokensWhenOffline(t *testing.T) {
	const q = "/api/slots?building=rathaus-2&services=gewerbe&days=3&from=" + today
	online := openDemo(t)
	cfg := demoConfig(t.TempDir())
	cfg.Gossip = "127.0.0.1:0" // in a cluster, no other site alive: offline
	offline := openSite(t, cfg, engine.NewFixedClock(wednesdayMorning))
	for _, s := range []*site{online, offline} {
		s.escrow(t, "rathaus-2", "anderswo", nil)
	}
	var ss []apiSlot
	online.get(t, q).want(t, http.StatusOK, &ss)
	if len(ss) == 0 {
		t.Errorf("online: no slots, want every free one offered")
	}
	offline.get(t, q).want(t, http.StatusOK, &ss)
	if len(ss) != 0 {
		t.Errorf("offline: %d slots on another site's tokens, want none", len(ss))
	}
	// Not escrowed: offline changes nothing.
	offline.get(t, "/api/slots?building=rathaus-1&services=hundesteuer&days=3&from="+today).want(t, http.StatusOK, &ss)
	if len(ss) == 0 {
		t.Errorf("offline, building without tokens: no slots")
	}
}
