#!/usr/bin/env bash
# CI checks the infrastructure with the real Bicep compiler and linter. CI
# reaches NuGet but not GitHub releases, so the CLI comes from NuGet's
# self-contained package, restored into the ignored .tools/ folder.
# Idempotent; prints the path of the bicep binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="0.49.2"
dir="$root/.tools/bicep/$version"
bin="$dir/bicep"
if [ ! -x "$bin" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp "$root/dev/bicep/bicep-cli.csproj" "$work/"
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
  dotnet restore "$work/bicep-cli.csproj" -p:BicepVersion="$version" \
    --packages "$work/packages" >"$work/restore.log" 2>&1 || { cat "$work/restore.log" >&2; exit 1; }
  found="$(find "$work/packages/azure.bicep.commandline.linux-x64/$version" -type f -name bicep | head -n 1)"
  if [ -z "$found" ]; then
    echo "bicep binary not found in the restored package" >&2
    exit 1
  fi
  mkdir -p "$dir"
  cp "$found" "$bin.partial"
  chmod +x "$bin.partial"
  mv "$bin.partial" "$bin"
fi
echo "$bin"
