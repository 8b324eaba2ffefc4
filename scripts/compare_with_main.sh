#!/usr/bin/env bash
# Issue 12, item 5 (no result changes): solve every shipped scenario with this
# checkout and with the code of another commit (default: where this branch left
# main, i.e. the code before the compiled solver), both with this .venv, and
# compare the results folders file by file. summary.json is compared without
# its timings, versions, write time and data paths (each checkout has its own);
# every other file must be byte-identical.
# Usage: scripts/compare_with_main.sh [REF] [SCENARIO...]  (default: every scenario in runs/,
# not the study files, which `wastealloc study` runs)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ref="${1:-$(git -C "$here" merge-base HEAD main)}"; shift || true
scenarios=("$@")
if [ ${#scenarios[@]} -eq 0 ]; then  # every scenario file; a study file names its base scenario
  for path in "$here"/runs/*.toml; do
    grep -q '^scenario *=' "$path" || scenarios+=("$path")
  done
fi
out="$(mktemp -d)"; status=0
other="$out/code"; mkdir -p "$other"
git -C "$here" archive "$ref" | tar -x -C "$other"
echo "comparing with $ref"
for path in "${scenarios[@]}"; do
  name="$(basename "$path" .toml)"
  (cd "$other" && PYTHONPATH="$other" "$here/.venv/bin/wastealloc" solve "runs/$name.toml" --no-maps --out "$out/old/$name" >/dev/null)
  (cd "$here" && .venv/bin/wastealloc solve "runs/$name.toml" --no-maps --out "$out/new/$name" >/dev/null)
  for f in "$out/old/$name"/*; do
    base="$(basename "$f")"
    if [ "$base" = summary.json ]; then
      strip='del(.timing_s, .written_utc, .versions, .inputs, .scenario_settings.data)'
      if ! diff <(jq -S "$strip" "$f") <(jq -S "$strip" "$out/new/$name/$base") >/dev/null; then
        echo "DIFFERS $name/$base"; status=1; fi
    elif ! cmp -s "$f" "$out/new/$name/$base"; then
      echo "DIFFERS $name/$base"; status=1
    fi
  done
  echo "compared $name"
done
[ $status -eq 0 ] && echo "all identical" && rm -rf "$out" || echo "kept: $out"
exit $status
