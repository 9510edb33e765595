package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// TestOpsAfterUsesPrimaryKey: a peer asking for the ops after its vector
// reads a range of (origin, seq), never the whole log.
func TestOpsAfterUsesPrimaryKey(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "pforte.db"), "site-a", engine.NewFixedClock(time.Date(2026, 11, 18, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+opsAfterQuery, "site-b", 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "USING PRIMARY KEY (origin=? AND seq>?)") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("plan %q, want a range of the primary key without a sort", got)
	}
}
