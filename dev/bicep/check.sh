#!/usr/bin/env bash
# CI's Bicep gate: compile the template and every parameter file, then lint.
# The Bicep CLI exits 0 on warnings, so any diagnostic it prints fails the
# check: a warning is either fixed or turned off, with the reason, in
# infra/bicepconfig.json (or for one statement, with `#disable-next-line` and
# the reason on the line above; test/infra/bicepLint.test.ts checks both). The compiled ARM JSON lands in test-output/bicep/,
# where test/infra/armTemplate.test.ts reads it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
bicep="$(bash dev/install-bicep.sh)"
out="$root/test-output/bicep"
mkdir -p "$out"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# main.bicepparam reads the azd environment; CI has none, so give the one
# required variable a placeholder (it is not a secret).
export GRAPH_CLIENT_ID="${GRAPH_CLIENT_ID:-00000000-0000-0000-0000-000000000000}"

status=0
run() {
  echo "+ bicep $*"
  if ! "$bicep" "$@" >"$log" 2>&1; then status=1; fi
  if [ -s "$log" ]; then cat "$log"; status=1; fi
}

run build infra/main.bicep --outfile "$out/main.json"
for params in infra/main.bicepparam infra/customers/*.bicepparam; do
  run build-params "$params" --outfile "$out/$(basename "$params" .bicepparam).parameters.json"
done
run lint infra/main.bicep
for module in infra/modules/*/*.bicep; do
  run lint "$module"
done

if [ "$status" -ne 0 ]; then
  echo "bicep check failed: fix the diagnostics above" >&2
  exit 1
fi
echo "bicep check passed ($("$bicep" --version))"
