#!/usr/bin/env bash
# Set-up for development and CI: Node.js 24 (installed beside the system's Node.js when that is
# older), pnpm at the version pinned in package.json, the dependencies from the lockfile, and the
# local NATS and PostgreSQL servers. Run it with bash; afterwards put ~/.node24/bin first on PATH
# when your system's node is not version 24. CI sources it instead, which keeps that PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE_MAJOR_REQUIRED=24
NODE_PREFIX="${HOME}/.node24"
PNPM_VERSION="$(sed -nE 's/.*"packageManager": *"pnpm@([^"]+)".*/\1/p' package.json)"

node_major() { node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }

if [ "$(node_major || true)" != "${NODE_MAJOR_REQUIRED}" ]; then
  if [ "$("${NODE_PREFIX}/bin/node" --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')" != "${NODE_MAJOR_REQUIRED}" ]; then
    echo "setup: installing Node.js ${NODE_MAJOR_REQUIRED} into ${NODE_PREFIX} (found $(node --version 2>/dev/null || echo none))"
    npm install --global --prefix "${NODE_PREFIX}" "node@${NODE_MAJOR_REQUIRED}"
  fi
  export PATH="${NODE_PREFIX}/bin:${PATH}"
fi
echo "setup: node $(node --version)"

if [ "$(pnpm --version 2>/dev/null || true)" != "${PNPM_VERSION}" ]; then
  echo "setup: installing pnpm ${PNPM_VERSION} into ${NODE_PREFIX}"
  npm install --global --prefix "${NODE_PREFIX}" "pnpm@${PNPM_VERSION}"
  export PATH="${NODE_PREFIX}/bin:${PATH}"
fi
echo "setup: pnpm $(pnpm --version)"

pnpm install --frozen-lockfile
bash scripts/ensure-services.sh
pnpm stack
