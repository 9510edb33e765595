#!/usr/bin/env bash
# Makes PforteSans.ttf and PforteSans-Bold.ttf from DejaVu Sans: the
# letters and signs names, addresses and forms need, renamed as the
# Bitstream Vera licence asks of a modified font. See README.md for why.
#
# Needs Debian's fonts-dejavu-core and fonttools (pyftsubset):
#   apt-get install -y fonts-dejavu-core fonttools
# Run from anywhere: printing/fonts/subset.sh
set -euo pipefail
cd "$(dirname "$0")"
src=${DEJAVU_DIR:-/usr/share/fonts/truetype/dejavu}

# Latin (with Vietnamese), Greek, Cyrillic, Armenian, Georgian; the
# punctuation, currency and symbols forms use. Left out: right-to-left
# scripts (Arabic, Hebrew), which gofpdf would set in the wrong order, and
# the rest of DejaVu's symbol blocks.
unicodes="U+0020-007E,U+00A0-024F,U+0259,U+02B9-02DD,U+0370-03FF,U+0400-052F,\
U+0530-058F,U+10A0-10FF,U+1E00-1EFF,U+2010-2027,U+2030-205E,U+20A0-20BF,\
U+2100-214F,U+2190-21FF,U+2212,U+2215,U+2219,U+221E,U+2248,U+2260,U+2264,\
U+2265,U+25A0-25FF,U+2610-2612,U+2713-2718,U+FFFD"

subset() { # source-file target-file full-name postscript-name
	pyftsubset "$src/$1" --unicodes="$unicodes" --output-file="$2.tmp" \
		--layout-features='' --drop-tables+=GSUB,GPOS,GDEF,kern,FFTM,MATH \
		--name-IDs='0,1,2,3,4,5,6,7,13,14' --name-languages='*' 2>/dev/null
	/usr/bin/python3 - "$2.tmp" "$2" "$3" "$4" <<'PY'
import sys
from fontTools.ttLib import TTFont
src, dst, full, ps = sys.argv[1:]
font = TTFont(src, recalcTimestamp=False)
names = font["name"]
for rec in names.names:
    if rec.nameID == 1:
        rec.string = "Pforte Sans"
    elif rec.nameID == 3:
        rec.string = ps + " (subset of DejaVu Sans 2.37)"
    elif rec.nameID == 4:
        rec.string = full
    elif rec.nameID == 6:
        rec.string = ps
font.save(dst)
PY
	rm -f "$2.tmp"
}
subset DejaVuSans.ttf PforteSans.ttf "Pforte Sans" PforteSans
subset DejaVuSans-Bold.ttf PforteSans-Bold.ttf "Pforte Sans Bold" PforteSans-Bold
sha256sum PforteSans.ttf PforteSans-Bold.ttf
