#!/bin/sh
# Runs node with the project's toolchain: `sh toolchain/run.sh file.ts args...`.
. "$(dirname "$0")/node.sh" || exit 1
exec node "$@"
