#!/usr/bin/env bash
# Checks, tests and compiles the Rego policies with the pinned OPA (scripts/install-opa.sh).
#   scripts/policies.sh          fmt check, check --strict, test with coverage, build the wasm bundle
#   scripts/policies.sh --check  the same, but fail if the committed bundle differs from a fresh build
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
opa="$root/.tools/bin/opa"
[ -x "$opa" ] || bash scripts/install-opa.sh
min_coverage="${KOUAN_MIN_COVERAGE:-95}"
entrypoints=(kouan/export/decision kouan/contract/decision kouan/gateway/decision kouan/gateway/standing kouan/gateway/per_request/decision)
src=(policies/kouan policies/data)
out=policies/build

echo "opa fmt (check)" >&2
if ! "$opa" fmt --list --fail policies/kouan >/dev/null; then
  echo "policies are not formatted; run: .tools/bin/opa fmt -w policies/kouan" >&2
  "$opa" fmt --list policies/kouan >&2
  exit 1
fi

echo "opa check --strict" >&2
"$opa" check --strict "${src[@]}"

echo "opa test (coverage >= ${min_coverage}%)" >&2
"$opa" test "${src[@]}" >&2
coverage=$("$opa" test "${src[@]}" --coverage --format=json | node -e '
  let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const report = JSON.parse(s);
    const files = Object.entries(report.files ?? {}).filter(([name]) => !name.endsWith("_test.rego"));
    let covered = 0, notCovered = 0;
    for (const [, f] of files) { covered += f.covered_lines ?? 0; notCovered += f.not_covered_lines ?? 0; }
    for (const [name, f] of files) console.error(`  ${name}: ${(f.coverage ?? 0).toFixed(1)}%`);
    console.log(((100 * covered) / Math.max(1, covered + notCovered)).toFixed(2));
  });')
echo "policy coverage: ${coverage}%" >&2
node -e "process.exit(Number(process.argv[1]) >= Number(process.argv[2]) ? 0 : 1)" "$coverage" "$min_coverage" || {
  echo "coverage ${coverage}% is below ${min_coverage}%" >&2
  exit 1
}

echo "opa build -t wasm" >&2
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
args=()
for e in "${entrypoints[@]}"; do args+=(-e "$e"); done
"$opa" build -t wasm "${args[@]}" --ignore "*_test.rego" -o "$tmp/bundle.tar.gz" policies/kouan
tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" /policy.wasm 2>/dev/null || tar -xzf "$tmp/bundle.tar.gz" -C "$tmp" policy.wasm
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$tmp/policy.wasm" "$out/policy.wasm"; then
    echo "policies/build/policy.wasm is stale: run 'npm run policies' and commit the result" >&2
    exit 1
  fi
  echo "compiled bundle is up to date" >&2
else
  mkdir -p "$out"
  install -m 0644 "$tmp/policy.wasm" "$out/policy.wasm"
  "$opa" version | head -1 | sed 's/^Version: /opa /' > "$out/OPA_VERSION"
  echo "wrote $out/policy.wasm" >&2
fi
