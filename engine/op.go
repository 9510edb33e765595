package engine

import (
	"encoding/json"
	"strings"
	"time"
)

// Op is one change, the unit of storage and of replication. Origin and Seq
// identify it (Seq is gap-free per origin); HLC orders it.
//
// The payload is split in two: Data holds what may be kept as long as the op
// exists, Personal holds personal data (names, contacts) so that the
// retention purge can erase it while the op keeps its identity and place in
// every version vector.
type Op struct {
	Origin   string          `json:"origin"`
	Seq      uint64          `json:"seq"`
	HLC      HLC             `json:"hlc"`
	Author   string          `json:"author"`
	Kind     string          `json:"kind"`
	Entity   string          `json:"entity"`
	Data     json.RawMessage `json:"data,omitempty"`
	Personal json.RawMessage `json:"personal,omitempty"`
	// PersonalHash is the SHA-256 of Personal, kept when the purge erases
	// Personal so that the signature still verifies.
	PersonalHash []byte `json:"personal_hash,omitempty"`
	// Prev chains an origin's ops: the Hash of its op Seq-1, covered by
	// the signature. A run of ops whose links hold is as authentic as its
	// last op, so a receiver verifies one signature per run. Empty for an
	// origin's first op and for ops signed before the chain existed.
	Prev []byte `json:"prev,omitempty"`
	// Sig is the origin site's ed25519 signature over SigningBytes: a
	// relayed op still proves where it came from.
	Sig []byte `json:"sig,omitempty"`
}

// Op kinds. The part before the dot is the entity type.
const (
	KindBuildingDefined = "building.defined"
	KindServiceDefined  = "service.defined"
	KindStaffDefined    = "staff.defined"
	KindCounterDefined  = "counter.defined"
	KindRoomDefined     = "room.defined"
	KindVisitRegistered = "visit.registered"
	KindVisitPickedUp   = "visit.picked_up"
	KindVisitLeft       = "visit.left"
)

// Entity types.
const (
	EntityBuilding = "building"
	EntityService  = "service"
	EntityStaff    = "staff"
	EntityCounter  = "counter"
	EntityRoom     = "room"
	EntityVisit    = "visit"
)

// EntityType returns the entity type an op kind changes.
func EntityType(kind string) string {
	t, _, _ := strings.Cut(kind, ".")
	return t
}

// Before reports whether a is folded before b: by HLC, then origin, then seq.
func Before(a, b Op) bool {
	if a.HLC != b.HLC {
		return a.HLC < b.HLC
	}
	if a.Origin != b.Origin {
		return a.Origin < b.Origin
	}
	return a.Seq < b.Seq
}

// ApplyResult tells what a batch of received ops did.
type ApplyResult struct {
	Applied  int         // new ops stored
	Skipped  int         // already held
	Rejected []Rejection // refused; never applied
}

// Rejection is one refused op and why.
type Rejection struct {
	Origin string
	Seq    uint64
	Reason string
	// Ahead, when not 0, says the op is refused only for now and is no
	// fault of the op or of the peer that sent it: it is stamped this far
	// ahead of the receiver's clock, more than MaxClockAhead, or it
	// follows such an op of its origin (and so waits for it, since an
	// origin's ops are taken gap-free). It is taken once the receiver's
	// clock is within MaxClockAhead of it.
	Ahead time.Duration
}
