#!/bin/sh
# Runs a command with the project's toolchain: Node 24 LTS (version in .node-version) and the
# pnpm pinned in package.json. A machine that lacks them (say, Node 20 and npm only) gets both
# from the npm registry into .tools/, which needs no root and no download outside the registry.
# Then the workspace is installed from the lockfile, and the command runs.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

want_node=$(tr -d '[:space:]' < .node-version)
want_pnpm=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
tools="$root/.tools"

say() { printf '[toolchain] %s\n' "$*" >&2; }

has_wanted_toolchain() {
  command -v node >/dev/null 2>&1 && command -v pnpm >/dev/null 2>&1 || return 1
  [ "$(node --version)" = "v$want_node" ] || return 1
  [ "$(pnpm --version 2>/dev/null)" = "$want_pnpm" ]
}

PATH="$tools/node_modules/.bin:$PATH"
export PATH

if ! has_wanted_toolchain; then
  command -v npm >/dev/null 2>&1 || { say "npm is required to fetch Node $want_node and pnpm $want_pnpm; install Node.js (any version with npm) first."; exit 1; }
  say "installing Node $want_node and pnpm $want_pnpm into .tools/ (from the npm registry)"
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || printf '{ "private": true }\n' > "$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error \
    "node@$want_node" "pnpm@$want_pnpm" >&2
  hash -r 2>/dev/null || true
  has_wanted_toolchain || { say "toolchain check failed after install: node $(node --version), pnpm $(pnpm --version)"; exit 1; }
fi

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NEXT_TELEMETRY_DISABLED=1

# Install only when the lockfile or a manifest changed since the last install.
stamp="node_modules/.rebound-install-stamp"
inputs=$(cat pnpm-lock.yaml package.json pnpm-workspace.yaml 2>/dev/null | cksum)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$inputs" ] || [ -n "$(find apps libs infra test -maxdepth 2 -name package.json -newer "$stamp" 2>/dev/null)" ]; then
  say "installing workspace dependencies (pnpm install --frozen-lockfile)"
  pnpm install --frozen-lockfile --reporter=append-only >&2
  printf '%s' "$inputs" > "$stamp"
fi

exec "$@"
