#!/bin/sh
# Everything the README's test command runs: lint, build, type checks and every test suite, then
# one closing line for the whole workspace. Run through scripts/toolchain.sh (npm test).
set -u
find apps libs infra test -maxdepth 2 -name test-results.xml -delete 2>/dev/null
biome ci . || exit 1
node scripts/import-cycles.ts || exit 1
node scripts/role-suffix.ts || exit 1
# One private-member style: ECMAScript #names, never TypeScript's `private` keyword.
if grep -rnE '^[[:space:]]*(static[[:space:]]+)?private[[:space:]]|[(,][[:space:]]*private[[:space:]]|\)[[:space:]]+private[[:space:]]' --include='*.ts' --exclude-dir=node_modules --exclude-dir=dist apps libs infra test scripts; then
  echo 'private members are #names (see docs/architecture.md): the lines above use the private keyword'
  exit 1
fi
status=0
turbo run build typecheck test --continue --concurrency=2 --output-logs=new-only || status=$?
node scripts/test-summary.ts
exit "$status"
