#!/usr/bin/env bash
# The real single-node OpenStack ("devcloud", ../shared/devcloud) for the acceptance suites.
#
#   .ci/devcloud.sh up         start it once for the whole run (installs it on a fresh machine);
#                              every server it boots runs our workload runner
#                              (tools/devcloud-workload): its disk is its root file system, its
#                              #cloud-config user data is applied on first boot, the systemd units
#                              enabled on its disk run on every boot; an empty disk runs nothing
#   .ci/devcloud.sh stop       stop it (data kept; .ci/run calls this from its EXIT trap)
#   .ci/devcloud.sh env        print the exports the suites need: eval "$(.ci/devcloud.sh env)"
#   .ci/devcloud.sh leftovers  list what the suites left behind (osa-acc-* servers, images,
#                              keypairs, security groups; demo quota); exit 1 if anything
#   .ci/devcloud.sh sweep      delete such leftovers of an interrupted earlier run
#
# Settings: DEVCLOUD_SH (path of devcloud.sh; default <repo>/../shared/devcloud/devcloud.sh),
# DEVCLOUD_WORK_DELAY_MS (the service's WORK_DELAY_MS in every server, default 50),
# DEVCLOUD_WORKLOAD (runner, the default; or bundle: the old behaviour, every server runs the
# built service bundle on {ip}:{port} whatever its image and user data),
# DC_STATE (the devcloud's state directory, default /var/lib/devcloud).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${DC_STATE:-/var/lib/devcloud}
CLOUDS_YAML=$STATE/clouds.yaml
BUNDLE=$REPO/dist/apps/service/main.js
RUNNER=$REPO/dist/tools/devcloud-workload/main.js
WORKLOAD=${DEVCLOUD_WORKLOAD:-runner}
WORK_DELAY_MS=${DEVCLOUD_WORK_DELAY_MS:-50}
# Names the acceptance suites give what they create (see docs/testing.md): osa-acc-<hex>-...,
# and osa-smoke-... for the client's smoke suite.
TEST_NAMES='^osa-(acc|smoke)-'

# Instance quota of the demo project as devcloud seeds it; the quota test must restore it.
DEMO_INSTANCE_QUOTA=50

say() { printf '[ci devcloud %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '[ci devcloud] ERROR: %s\n' "$*" >&2; exit 1; }

locate_devcloud() {
  local candidate=${DEVCLOUD_SH:-$REPO/../shared/devcloud/devcloud.sh}
  [ -f "$candidate" ] || die "devcloud.sh not found at $candidate.
  CI expects the shared tools beside the clone: <parent>/$(basename "$REPO") and <parent>/shared/devcloud/devcloud.sh.
  Put shared/ there, or set DEVCLOUD_SH=/path/to/devcloud.sh."
  echo "$(cd "$(dirname "$candidate")" && pwd)/$(basename "$candidate")"
}

# The command every fake VM runs. Absolute paths only: the workload does not run in our
# directory, and no shell expands it.
#   runner: the VM runs what its disk and user data carry (WORK_DELAY_MS reaches every unit).
#   bundle: the service bundle bound to the server's Neutron address, whatever the server carries.
vm_cmd() {
  local node_bin
  node_bin=$(command -v node) || die "node is not on PATH"
  case $WORKLOAD in
    # No {name}: devcloud splits the line after filling it in, so a name with a space would break
    # argv; the runner reads DEVCLOUD_NAME instead.
    runner) echo "$node_bin $RUNNER --dir {dir} --disk {disk} --ip {ip} --port {port} --uuid {uuid} --unit-env WORK_DELAY_MS=$WORK_DELAY_MS" ;;
    bundle) echo "env HOST={ip} PORT={port} WORK_DELAY_MS=$WORK_DELAY_MS $node_bin $BUNDLE" ;;
    *) die "DEVCLOUD_WORKLOAD=$WORKLOAD: expected runner (the default) or bundle" ;;
  esac
}

# Builds what vm_cmd runs when it is missing (tools builds the runner, and needs the service).
ensure_built() {
  local file=$1 project=$2
  if [ ! -f "$file" ]; then
    say "$file missing: building it (npx nx build $project)"
    (cd "$REPO" && npx nx build "$project" --outputStyle=stream) || die "nx build $project failed"
  fi
  [ -f "$file" ] || die "$file is missing after nx build $project"
}

# DEVCLOUD_VM_CMD of the running nova-compute; devcloud reads it only at `up`. Prints "" when
# none runs, "?" when its environment is unreadable (devcloud runs as root, we may not).
running_vm_cmd() {
  local pid environ
  pid=$(awk '$1 == "nova-compute" {print $2}' "$STATE/pids.txt" 2>/dev/null | tail -1)
  [ -n "$pid" ] && [ -e "/proc/$pid/environ" ] || return 0
  environ=$(tr '\0' '\n' < "/proc/$pid/environ" 2>/dev/null || sudo -n cat "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n') || true
  if [ -z "$environ" ]; then
    echo "?"
    return 0
  fi
  printf '%s\n' "$environ" | sed -n 's/^DEVCLOUD_VM_CMD=//p' | head -1
}

do_up() {
  local dc cmd started
  dc=$(locate_devcloud)
  ensure_built "$BUNDLE" service
  [ "$WORKLOAD" = bundle ] || ensure_built "$RUNNER" tools
  cmd=$(vm_cmd)
  started=$(date +%s)
  if "$dc" status >/dev/null 2>&1; then
    local current
    current=$(running_vm_cmd)
    if [ "$current" != "$cmd" ]; then
      say "devcloud runs with DEVCLOUD_VM_CMD='$current'; restarting it with our workload"
      "$dc" stop
    fi
  fi
  say "devcloud up with DEVCLOUD_VM_CMD='$cmd'"
  DEVCLOUD_VM_CMD=$cmd "$dc" up
  [ -f "$CLOUDS_YAML" ] || die "devcloud is up but $CLOUDS_YAML is missing"
  case "$(running_vm_cmd)" in
    "$cmd") ;;
    "?") say "cannot read nova-compute's environment to check DEVCLOUD_VM_CMD (not root); trusting devcloud.sh" ;;
    *) die "nova-compute does not run with our DEVCLOUD_VM_CMD (see $STATE/log/nova-compute.log)" ;;
  esac
  say "devcloud ready in $(($(date +%s) - started)) s; export OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=devcloud"
}

do_stop() {
  local dc
  dc=$(locate_devcloud)
  say "stopping devcloud"
  "$dc" stop
}

do_env() {
  echo "export OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=devcloud"
}

# `openstack` CLI (installed with devcloud) against one of its clouds.
os_run() {
  local cloud=$1
  shift
  OS_CLIENT_CONFIG_FILE=$CLOUDS_YAML OS_CLOUD=$cloud openstack "$@"
}

# The same, for listings: machine-readable values.
os_cli() {
  os_run "$@" -f value
}

# "<kind> <id> <name>" for every resource named like a test resource.
list_leftovers() {
  os_cli devcloud-admin server list --all-projects --name "$TEST_NAMES" -c ID -c Name | sed 's/^/server /'
  os_cli devcloud-admin image list -c ID -c Name | awk -v re="$TEST_NAMES" '$2 ~ re {print "image", $0}'
  os_cli devcloud keypair list -c Name | awk -v re="$TEST_NAMES" '$1 ~ re {print "keypair", $1, $1}'
  os_cli devcloud-admin security group list -c ID -c Name | awk -v re="$TEST_NAMES" '$2 ~ re {print "security-group", $0}'
  os_cli devcloud-admin network list -c ID -c Name | awk -v re="$TEST_NAMES" '$2 ~ re {print "network", $0}'
  # Octavia (octavia.sh) may not be up: no load balancers to list then.
  { os_cli devcloud loadbalancer list -c id -c name 2>/dev/null || true; } | awk -v re="$TEST_NAMES" '$2 ~ re {print "load-balancer", $0}'
}

demo_instance_quota() {
  os_cli devcloud-admin quota show demo -c instances
}

do_leftovers() {
  local found quota
  found=$(list_leftovers)
  quota=$(demo_instance_quota)
  if [ -n "$found" ]; then
    say "acceptance suites left these behind:"
    echo "$found"
  fi
  if [ "$quota" != "$DEMO_INSTANCE_QUOTA" ]; then
    say "demo project instance quota is '$quota', expected $DEMO_INSTANCE_QUOTA (the quota test did not restore it)"
  fi
  if [ -n "$found" ] || [ "$quota" != "$DEMO_INSTANCE_QUOTA" ]; then exit 1; fi
  say "no leftovers: no osa-acc-*/osa-smoke-* servers, images, keypairs, security groups, networks or load balancers; demo instance quota $quota"
}

do_sweep() {
  local kind id name n=0
  while read -r kind id name; do
    [ -n "$kind" ] || continue
    say "deleting leftover $kind $name ($id)"
    case $kind in
      server) os_run devcloud-admin server delete --wait "$id" || true ;;
      image) os_run devcloud-admin image delete "$id" || true ;;
      keypair) os_run devcloud keypair delete "$id" || true ;;
      security-group) os_run devcloud-admin security group delete "$id" || true ;;
      network) os_run devcloud-admin network delete "$id" || true ;;
      load-balancer) os_run devcloud loadbalancer delete --cascade --wait "$id" || true ;;
    esac
    n=$((n + 1))
  done < <(list_leftovers)
  if [ "$(demo_instance_quota)" != "$DEMO_INSTANCE_QUOTA" ]; then
    say "restoring the demo project's instance quota to $DEMO_INSTANCE_QUOTA"
    os_run devcloud-admin quota set --instances "$DEMO_INSTANCE_QUOTA" demo
  fi
  say "swept $n leftover(s)"
}

case "${1:-}" in
  up) do_up ;;
  stop) do_stop ;;
  env) do_env ;;
  leftovers) do_leftovers ;;
  sweep) do_sweep ;;
  *)
    echo "usage: $0 up|stop|env|leftovers|sweep" >&2
    exit 2
    ;;
esac
