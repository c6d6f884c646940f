# lib.sh -- helpers for the shell tests: pass/fail counting, expected-failure checks, skips.
# Each test script sources this, runs its cases and ends with `finish`.
set -u
: "${GRS:?GRS must point at the grs binary}"
: "${SRC:?SRC must point at the source tree}"
SHARED=${SHARED:-$SRC/../shared}
T=$(mktemp -d "${TMPDIR:-/tmp}/grs-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
pass=0; fail=0; skipped=0

ok()   { pass=$((pass+1)); }
bad()  { fail=$((fail+1)); echo "FAIL: $*" >&2; }
skip() { skipped=$((skipped+1)); echo "SKIP: $*" >&2; }

# check "description" command...: the command must succeed
check() { local d=$1; shift; if "$@" >"$T/out" 2>"$T/err"; then ok; else bad "$d (exit $?)"; cat "$T/err" >&2; fi; }

# expect_error "description" "regex the stderr must match" output-glob command...:
# exit code 1, one [E::...] line matching the regex, and nothing matching output-glob left.
expect_error() {
    local d=$1 re=$2 out=$3; shift 3
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    if [ $rc -ne 1 ]; then bad "$d: exit $rc, expected 1"; cat "$T/err" >&2; return; fi
    if ! grep -Eq "$re" "$T/err"; then bad "$d: stderr does not match /$re/"; cat "$T/err" >&2; return; fi
    if [ -n "$out" ] && compgen -G "$out" >/dev/null; then bad "$d: left output $(compgen -G "$out" | head -1)"; return; fi
    ok
}

finish() {
    local name=$(basename "$0" .sh)
    echo "$name: $pass passed, $fail failed, $skipped skipped"
    [ $fail -eq 0 ] || exit 1
    [ $pass -gt 0 ] || exit 77
    exit 0
}
