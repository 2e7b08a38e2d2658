#!/usr/bin/env bash
# Prints a fresh directory to use as PATH for "a machine with only Node 20 and npm": it holds links
# to every program on the current PATH except the optional tools some tests use (what .ci/run
# installs with apt-get, and the others a test may look for). Used by .ci/run's bare-machine
# stage; by hand:  PATH="$(.ci/bare-path.sh)" npm test   (then delete the directory).
set -euo pipefail

bare_bin="$(mktemp -d "${TMPDIR:-/tmp}/osa-bare-path.XXXXXX")"
IFS=: read -ra path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
  for program in "$dir"/*; do
    name="${program##*/}"
    [[ -f "$program" && -x "$program" && ! -e "$bare_bin/$name" ]] || continue
    # Keep in step with .ci/run's apt-get line and SYSTEM_TOOLS in libs/openstack-testkit.
    case "$name" in
      slowhttptest | openssl | python* | ipython* | wrk | haproxy | nginx | chromium* | openstack | cloud-init | sshd | sftp | ssh-keygen) continue ;;
    esac
    ln -s "$program" "$bare_bin/$name"
  done
done
for tool in node npm npx; do
  [[ -e "$bare_bin/$tool" ]] || { echo "bare-path: $tool is not on PATH" >&2; exit 1; }
done
echo "$bare_bin"
