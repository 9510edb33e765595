package printing

import (
	"io"
	"testing"
)

// The budgets (Go benchmarks, medians over runs):
//
//	go test ./printing -run '^$' -bench . -count 10 | tee bench.txt
//
// daily sheet with 1,000 visits under 300 ms; a slip under 20 ms.

func BenchmarkDailySheet1000(b *testing.B) {
	s := sheetWith(1000)
	for b.Loop() {
		if err := WriteDailySheet(io.Discard, s, Options{Created: fixedCreated}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSlipA6(b *testing.B) { benchSlip(b, SlipA6) }

func BenchmarkSlipReceipt(b *testing.B) { benchSlip(b, SlipReceipt) }

func benchSlip(b *testing.B, f SlipFormat) {
	s := fullSlip()
	for b.Loop() {
		if err := WriteSlip(io.Discard, s, f, Options{Created: fixedCreated}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBadge(b *testing.B) {
	badge := normalBadge()
	for b.Loop() {
		if err := WriteBadge(io.Discard, badge, Options{Created: fixedCreated}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAttendance200(b *testing.B) {
	a := attendanceWith(5, 40)
	for b.Loop() {
		if err := WriteAttendance(io.Discard, a, Options{Created: fixedCreated}); err != nil {
			b.Fatal(err)
		}
	}
}
