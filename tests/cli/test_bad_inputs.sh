#!/usr/bin/env bash
# Runs the bad-input catalogue (tests/bad-inputs/catalogue.tsv, inputs made by gen.sh). Per case:
#   - no signal (exit > 128), no sanitizer report (ASan/UBSan/LSan), finished within 120 s;
#   - the expected exit code: 1 for a malformed input, 0 for what users legitimately send (CRLF,
#     BOM, chr prefixes, unsorted or unindexed VCFs, ...), 2 never;
#   - exit 1: stderr matches the case's regex, and exactly one [E::] line names the input file
#     (htslib may add lines of its own before it), and nothing is left at the output prefix
#     (no PREFIX.*, no PREFIX.*.tmp.PID);
#   - exit 0: the output exists.
# BAD_INPUTS_ONLY=regex runs the matching case ids only.
. "$(dirname "$0")/lib.sh"
command -v bgzip >/dev/null || { skip "bgzip not installed"; finish; }
CAT=$SRC/tests/bad-inputs/catalogue.tsv
W=$T/w
bash "$SRC/tests/bad-inputs/gen.sh" "$GRS" "$W" >/dev/null 2>"$T/gen.err" || { cat "$T/gen.err" >&2; bad "gen.sh failed"; finish; }
mkdir -p "$W/o"
n=0
while IFS=$'\t' read -r id fmt in args want re; do
    case $id in '#'*|'') continue;; esac
    [ -n "${BAD_INPUTS_ONLY:-}" ] && ! [[ $id =~ $BAD_INPUTS_ONLY ]] && continue
    if ! compgen -G "$W/in/$in*" >/dev/null; then skip "$id: input not generated (plink2/bcftools/python3 missing?)"; continue; fi
    rm -rf "$W/o"; mkdir -p "$W/o"
    a=${args//\{IN\}/$W/in/$in}; a=${a//\{FX\}/$W/fx}; a=${a//\{O\}/$W/o/res}
    # shellcheck disable=SC2086  # args are space-separated by design (no spaces in paths)
    timeout 120 "$GRS" $a >"$T/out" 2>"$T/err"; rc=$?
    n=$((n+1))
    if [ $rc -gt 128 ] || [ $rc -eq 124 ]; then bad "$id: killed by a signal or timed out (exit $rc)"; tail -5 "$T/err" >&2; continue; fi
    if grep -Eq 'AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' "$T/err"; then
        bad "$id: sanitizer report"; grep -E -A5 'Sanitizer|runtime error' "$T/err" | head -20 >&2; continue
    fi
    if [ "$rc" != "$want" ]; then bad "$id: exit $rc, expected $want"; head -3 "$T/err" >&2; continue; fi
    if [ "$want" = 0 ]; then
        compgen -G "$W/o/res*" >/dev/null && ok || bad "$id: exit 0 but no output"
        continue
    fi
    if ! grep -Eq -- "$re" "$T/err"; then bad "$id: stderr does not match /$re/"; head -3 "$T/err" >&2; continue; fi
    base=$(basename "$in"); [ "$base" = p ] && base=$(basename "$(dirname "$in")")/p
    k=$(grep '^\[E::' "$T/err" | grep -F -c "$base")
    if [ "$k" -ne 1 ]; then bad "$id: $k [E::] lines name $base, expected 1"; grep '^\[E::' "$T/err" | head -3 >&2; continue; fi
    if compgen -G "$W/o/res*" >/dev/null; then bad "$id: left $(compgen -G "$W/o/res*" | head -1)"; continue; fi
    ok
done < "$CAT"
echo "test_bad_inputs: $n cases run from $(basename "$CAT")"
finish
