#!/usr/bin/env bash
# npm test: system dependencies, then typecheck → lint → unit → contract → e2e → webkit → security → multi-instance. Stops at the first failure.
set -uo pipefail

cd "$(dirname "$0")/.."

results=()
started=$SECONDS

summary() {
  echo
  echo "──────── test summary ────────"
  for line in "${results[@]}"; do echo "  $line"; done
  echo "  total $((SECONDS - started)) s"
}

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds up the counts that Vitest ("Tests  12 passed | 1 failed (13)") and Playwright ("  31 passed (2.1m)") print.
count_tests() {
  local clean p f
  clean=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log")
  p=$(grep -E '^ *(Tests +)?([0-9]+ failed \| )?[0-9]+ passed' <<<"$clean" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
  f=$(grep -E '^ *(Tests +)?([0-9]+ passed \| )?[0-9]+ failed' <<<"$clean" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
}

step() {
  local name=$1
  shift
  echo
  echo "▶ $name: $*"
  local t0=$SECONDS
  if "$@" 2>&1 | tee "$log"; then
    count_tests
    results+=("✔ $name ($((SECONDS - t0)) s)")
  else
    local code=${PIPESTATUS[0]}
    count_tests
    results+=("✘ $name ($((SECONDS - t0)) s, exit $code)")
    summary
    echo "FAILED at: $name"
    echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
    exit "$code"
  fi
}

# shellcheck source=../tools/stack/system-packages.sh
source tools/stack/system-packages.sh

ensure_system_deps() {
  local missing
  mapfile -t missing < <(missing_system_packages)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing system packages: ${missing[*]} (install them, e.g. sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
}

step "system deps" ensure_system_deps
step "typecheck" npx --no-install tsc --noEmit
step "lint" npx --no-install eslint .
step "unit" npx --no-install vitest run
if node -e 'process.exit(require("./package.json").scripts?.["test:contract"] ? 0 : 1)'; then
  step "contract" npm run --silent test:contract
else
  results+=("- contract (no test:contract script)")
fi
# Every scenario in each engine found (chromium, firefox; webkit where Playwright's own is installed).
step "e2e" npx --no-install playwright test
# WebKit (WPE WebKit's cog under WPEWebDriver, test/webkit) beside Chromium, against the build the e2e step just made.
step "webkit" env E2E_SKIP_BUILD=1 npm run --silent test:webkit
# The adversarial suite (e2e/security, docs/security.md) against the build the e2e step just made.
step "security" env E2E_SKIP_BUILD=1 npm run --silent test:security

# ── Issue 6 (revocation work owns this step): several instances sharing revocations through Redis. ──
# Starts its own redis-server (free port from 6391), two `next start` on 3500/3501 (one build in .next-multi,
# rebuilt only when sources changed) and the emulator on 4150; see test/multi-instance/.
step "multi-instance" npm run --silent test:multi

summary
echo "ALL PASSED"
echo "$passed passed, $failed failed"
