#!/bin/sh
# Refresh the vendored front-end assets from the npm registry (development time only; the running system never
# fetches anything from outside). Pinned versions: change them here, run this script, review the diff, commit.
#   - @digital-go-jp/design-tokens (MIT): the デジタル庁デザインシステム tokens, served by the app.
#   - axe-core (MPL-2.0): injected by the browser tests only, never served.
set -eu
DESIGN_TOKENS_VERSION=1.1.9
AXE_CORE_VERSION=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "@digital-go-jp/design-tokens@$DESIGN_TOKENS_VERSION" >/dev/null
npm pack --silent "axe-core@$AXE_CORE_VERSION" >/dev/null

mkdir tokens axe
tar xzf "digital-go-jp-design-tokens-$DESIGN_TOKENS_VERSION.tgz" -C tokens
tar xzf "axe-core-$AXE_CORE_VERSION.tgz" -C axe

dads="$root/src/piaops/core/static/piaops/dads"
mkdir -p "$dads"
cp tokens/package/dist/tokens.css "$dads/tokens.css"
cp tokens/package/LICENSE "$dads/LICENSE"
echo "@digital-go-jp/design-tokens $DESIGN_TOKENS_VERSION (npm), dist/tokens.css and LICENSE, unmodified." >"$dads/VERSION"

vendor="$root/tests/browser/vendor"
mkdir -p "$vendor"
cp axe/package/axe.min.js "$vendor/axe.min.js"
cp axe/package/LICENSE "$vendor/axe-core.LICENSE"
echo "axe-core $AXE_CORE_VERSION (npm), axe.min.js and LICENSE (MPL-2.0), unmodified." >"$vendor/VERSION"
echo "vendored: design-tokens $DESIGN_TOKENS_VERSION, axe-core $AXE_CORE_VERSION"
