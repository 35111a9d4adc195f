#!/usr/bin/env bash
# Benchmarks mock-idp and @mongodb-js/oidc-mock-provider (Node) side by side, in one
# idp-bench run with the same load generator: installs the peer with npm under a temporary
# folder (removed on exit), builds the release binaries, and hands idp-bench the peer's
# start command. Extra arguments go to idp-bench, e.g. `--flows 5000 --concurrency 8,32`.
# Needs node and npm (Debian: apt-get install nodejs npm). See docs/bench.md.
set -euo pipefail
peer_version="${PEER_VERSION:-0.13.18}"
cd "$(dirname "$0")/.."
for tool in node npm cargo; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-peer: $tool is missing; install it (node and npm: apt-get install nodejs npm)" >&2
    exit 2
  fi
done
tmp="$(mktemp -d -t idp-bench-peer.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
echo "bench-peer: installing @mongodb-js/oidc-mock-provider@$peer_version under $tmp" >&2
(cd "$tmp" && npm install --no-audit --no-fund --loglevel=error \
  "@mongodb-js/oidc-mock-provider@$peer_version" >/dev/null)
cli="$tmp/node_modules/@mongodb-js/oidc-mock-provider/bin/oidc-mock-provider.js"
[ -f "$cli" ] || { echo "bench-peer: $cli is missing after npm install" >&2; exit 2; }
cargo build --release -p mock-idp --bins
bench="${CARGO_TARGET_DIR:-target}/release/idp-bench"
# The peer's issuer is at its root; it takes any client_id and redirect_uri, needs PKCE S256,
# signs in without a login page and answers the authorization request with a 307.
"$bench" --peer-start "node $cli -p {port} -h 127.0.0.1" --peer-name oidc-mock-provider "$@"
