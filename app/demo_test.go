package app

import (
	"slices"
	"testing"
)

// TestDemoConfigurationIsConsistent: the demo municipality passes the same
// checks an administrator's configuration will, and its references hold.
func TestDemoConfigurationIsConsistent(t *testing.T) {
	buildings := map[string]bool{}
	for _, b := range demoBuildings() {
		if err := b.Validate(); err != nil {
			t.Errorf("building %s: %v", b.ID, err)
		}
		buildings[b.ID] = true
	}
	offered := map[string][]string{} // service → buildings
	for _, s := range demoServices() {
		if s.DurationMin <= 0 || len(s.Documents) == 0 {
			t.Errorf("service %s: duration %d, %d documents", s.ID, s.DurationMin, len(s.Documents))
		}
		for _, b := range s.Buildings {
			if !buildings[b] {
				t.Errorf("service %s offered in unknown building %s", s.ID, b)
			}
		}
		offered[s.ID] = s.Buildings
	}
	served := map[string]bool{}
	for _, k := range demoCounters() {
		if !buildings[k.Building] {
			t.Errorf("counter %s in unknown building %s", k.ID, k.Building)
		}
		for _, s := range k.Services {
			if !slices.Contains(offered[s], k.Building) {
				t.Errorf("counter %s serves %s, which %s does not offer", k.ID, s, k.Building)
			}
			served[s+"@"+k.Building] = true
		}
	}
	for s, bs := range offered {
		for _, b := range bs {
			if !served[s+"@"+b] {
				t.Errorf("service %s is offered in %s but no counter there serves it", s, b)
			}
		}
	}
	for _, s := range demoStaff() {
		if !buildings[s.Building] {
			t.Errorf("staff %s in unknown building %s", s.ID, s.Building)
		}
	}
	for _, r := range demoRooms() {
		if !buildings[r.Building] {
			t.Errorf("room %s in unknown building %s", r.ID, r.Building)
		}
	}
}
