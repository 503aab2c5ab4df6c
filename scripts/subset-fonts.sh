#!/usr/bin/env bash
# Makes the font subsets that report.html embeds (assets/fonts/report/*.woff2) from the
# vendored DejaVu Sans (assets/fonts/DejaVuSans*.ttf, licence in assets/fonts/LICENSE).
#
#   scripts/subset-fonts.sh        needs fonttools and brotli: pip install fonttools brotli
#
# The subsets are committed; run this only to change the character set, then rebuild (the
# binary includes the files) and say so in CHANGELOG.md (report.html changes).
#
# Characters: printable ASCII, Latin-1 (¥ £ ± × · § ² ...), Latin Extended-A (names of
# places and firms), Greek (β λ σ μ Δ ...), general punctuation (– — ‘ ’ “ ” • … ‰, thin and
# narrow no-break spaces), currency signs (€ ₩ ₹ ...), arrows, the mathematical operators
# the report and the charts print (− ≤ ≥ ≈ ≠ √ ∞ ⌊ ⌋) and the check marks (✓ ✗). Text
# outside the subset falls back to the next font of the CSS stack.
#
# No hinting (screens and PDF render outlines well without it, and it halves the size);
# every name record kept (copyright and licence notices). WOFF2 (Brotli-compressed).
set -euo pipefail
cd "$(dirname "$0")/.."

UNICODES="U+0020-007E,U+00A0-00FF,U+0100-017F,U+0391-03A9,U+03B1-03C9,U+2009-200A,\
U+2010-2027,U+202F,U+2030,U+2032-2033,U+2039-203A,U+20A0-20BF,U+2122,U+2190-2195,\
U+2202,U+2206,U+2212,U+2215,U+221A,U+221E,U+2248,U+2260,U+2264-2265,U+230A-230B,\
U+2713,U+2717"

for face in DejaVuSans DejaVuSans-Bold; do
    pyftsubset "assets/fonts/$face.ttf" \
        --unicodes="$UNICODES" \
        --no-hinting \
        --name-IDs='*' \
        --name-languages='*' \
        --flavor=woff2 \
        --output-file="assets/fonts/report/$face.woff2"
    printf '%s: %s bytes\n' "assets/fonts/report/$face.woff2" \
        "$(wc -c <"assets/fonts/report/$face.woff2")"
done
