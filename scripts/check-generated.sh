#!/usr/bin/env bash
# Fails when `buf generate` changes the committed code, when `buf lint` complains, or when the
# .proto files break wire/JSON compatibility with the previous commit on main.
set -euo pipefail
cd "$(dirname "$0")/.."
buf=packages/protocol/node_modules/.bin/buf

(cd packages/protocol && ../../"$buf" lint)
echo "buf lint: clean"

npx -y pnpm@12.4.2 --filter @weiyu/protocol run generate >/dev/null
if ! git diff --quiet -- packages/protocol/src/gen || [ -n "$(git ls-files --others --exclude-standard packages/protocol/src/gen)" ]; then
  echo "buf generate changed packages/protocol/src/gen: commit the regenerated code" >&2
  git status --short packages/protocol/src/gen >&2
  exit 1
fi
echo "buf generate: no changes"

if git rev-parse --verify -q HEAD~1 >/dev/null && git cat-file -e HEAD~1:packages/protocol/buf.yaml 2>/dev/null; then
  "$buf" breaking packages/protocol --against ".git#ref=HEAD~1,subdir=packages/protocol"
  echo "buf breaking: compatible with HEAD~1"
else
  echo "buf breaking: no earlier commit with the protocol to compare with"
fi
