#!/bin/sh
# Everything the README's test command runs: lint, build, type checks and every test suite, then
# one closing line for the whole workspace. Run through scripts/toolchain.sh (npm test).
set -u
find apps libs infra test -maxdepth 2 -name test-results.xml -delete 2>/dev/null
biome ci . || exit 1
node scripts/import-cycles.ts || exit 1
status=0
turbo run build typecheck test --continue --concurrency=2 --output-logs=new-only || status=$?
node scripts/test-summary.ts
exit "$status"
