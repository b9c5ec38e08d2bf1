#!/bin/sh
# The `ds` command: runs cli/main.ts on the project's Node (>= 22.18, provisioned if needed).
here=$(dirname "$(readlink -f "$0")")
. "$here/../toolchain/node.sh" || exit 1
exec node "$here/main.ts" "$@"
