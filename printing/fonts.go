package printing

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"sort"
	"sync"
)

// The documents are set in Pforte Sans, a subset of DejaVu Sans, embedded
// so that every desk prints the same letters whatever fonts its system has,
// and so that names print as written: the PDF core fonts know only one
// 8-bit code page and would turn "Łukasz" or "Şahin" into question marks.
// See fonts/README.md for where the files come from and why they are a
// subset, fonts/LICENSE for their licence.
var (
	//go:embed fonts/PforteSans.ttf
	sansRegular []byte
	//go:embed fonts/PforteSans-Bold.ttf
	sansBold []byte
)

// fontFamily is the name the documents register the embedded font under.
const fontFamily = "PforteSans"

// glyphs returns the characters both embedded fonts can draw. It is
// computed once: the set is a fact about the embedded files, like a
// constant, and reading it for every document would cost more than the
// document itself.
var glyphs = sync.OnceValue(func() runeSet {
	regular, err := cmapRunes(sansRegular)
	if err != nil {
		panic("printing: embedded PforteSans.ttf: " + err.Error()) // caught by every test
	}
	bold, err := cmapRunes(sansBold)
	if err != nil {
		panic("printing: embedded PforteSans-Bold.ttf: " + err.Error())
	}
	return regular.intersect(bold)
})

// runeSet is a set of characters as sorted, non-overlapping ranges.
type runeSet []runeRange

type runeRange struct{ lo, hi rune } // inclusive

func (s runeSet) has(r rune) bool {
	i := sort.Search(len(s), func(i int) bool { return s[i].hi >= r })
	return i < len(s) && s[i].lo <= r
}

func (s runeSet) intersect(t runeSet) runeSet {
	var out runeSet
	for i, j := 0, 0; i < len(s) && j < len(t); {
		lo, hi := max(s[i].lo, t[j].lo), min(s[i].hi, t[j].hi)
		if lo <= hi {
			out = append(out, runeRange{lo, hi})
		}
		if s[i].hi < t[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// add appends r, which must not be smaller than anything added before.
func (s runeSet) add(r rune) runeSet {
	if n := len(s); n > 0 && s[n-1].hi+1 == r {
		s[n-1].hi = r
		return s
	}
	return append(s, runeRange{r, r})
}

// cmapRunes reads the characters a TrueType font maps to a glyph from its
// Unicode BMP character map (platform 3, encoding 1, format 4): the only
// map gofpdf reads, so a character outside it would print as an empty box.
func cmapRunes(ttf []byte) (runeSet, error) {
	be := binary.BigEndian
	errShort := errors.New("font file is truncated")
	if len(ttf) < 12 {
		return nil, errShort
	}
	var cmap []byte
	for i, n := 0, int(be.Uint16(ttf[4:])); i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, errShort
		}
		if string(ttf[rec:rec+4]) == "cmap" {
			off, size := int(be.Uint32(ttf[rec+8:])), int(be.Uint32(ttf[rec+12:]))
			if off+size > len(ttf) {
				return nil, errShort
			}
			cmap = ttf[off : off+size]
		}
	}
	if len(cmap) < 4 {
		return nil, errors.New("font has no cmap table")
	}
	var sub []byte
	for i, n := 0, int(be.Uint16(cmap[2:])); i < n; i++ {
		rec := 4 + 8*i
		if rec+8 > len(cmap) {
			return nil, errShort
		}
		platform, encoding, off := be.Uint16(cmap[rec:]), be.Uint16(cmap[rec+2:]), int(be.Uint32(cmap[rec+4:]))
		if platform == 3 && encoding == 1 && off+4 <= len(cmap) && be.Uint16(cmap[off:]) == 4 {
			sub = cmap[off:min(len(cmap), off+int(be.Uint16(cmap[off+2:])))]
		}
	}
	if len(sub) < 14 {
		return nil, errors.New("font has no Unicode BMP character map (format 4)")
	}
	segs := int(be.Uint16(sub[6:])) / 2
	ends, starts, deltas, offsets := 14, 16+2*segs, 16+4*segs, 16+6*segs
	if offsets+2*segs > len(sub) {
		return nil, errShort
	}
	var set runeSet
	for i := range segs {
		end, start := int(be.Uint16(sub[ends+2*i:])), int(be.Uint16(sub[starts+2*i:]))
		delta, rangeOff := int(be.Uint16(sub[deltas+2*i:])), int(be.Uint16(sub[offsets+2*i:]))
		for c := start; c <= end && c != 0xffff; c++ {
			glyph := (c + delta) & 0xffff
			if rangeOff != 0 {
				// The glyph index lives in glyphIdArray, addressed relative
				// to this segment's idRangeOffset entry.
				at := offsets + 2*i + rangeOff + 2*(c-start)
				if at+2 > len(sub) {
					return nil, errShort
				}
				if glyph = int(be.Uint16(sub[at:])); glyph != 0 {
					glyph = (glyph + delta) & 0xffff
				}
			}
			if glyph != 0 {
				set = set.add(rune(c))
			}
		}
	}
	return set, nil
}
