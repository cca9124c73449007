#!/usr/bin/env bash
# A one-node Slurm on this machine, for the grid's Slurm tests (docs/grid.md, "Slurm"): installs Debian's slurm-wlm
# and munge when missing, writes a minimal slurm.conf for one node called localhost, creates a munge key when there
# is none, starts munged, slurmctld and slurmd as plain daemons (no systemd in a container) and waits until sinfo
# shows the node idle. Idempotent: a second call finds the daemons up and the node idle and only says so.
#
# Needs root (apt-get, daemons, /etc). No cgroups here: processes are tracked by their parent pids
# (proctrack/linuxproc) and tasks are not bound (task/none). Exits non-zero with the reason when Slurm cannot start.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARK='# written by srcaco scripts/slurm-local.sh'
STATE=/var/lib/slurm
LOGS=/var/log/slurm
NODE=localhost
WAIT_S=${SRCACO_SLURM_WAIT_S:-60}

say() { echo "slurm-local: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (apt-get, daemons, $CONF); run it with sudo"

conf=$(cat <<EOF
$MARK
ClusterName=srcaco-local
SlurmctldHost=localhost
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$STATE/slurmctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
# No cgroups in this sandbox: track a job's processes by parentage, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# Batch jobs may be requeued (a task that checkpointed on its time-limit signal asks for it).
JobRequeue=1
ReturnToService=2
# The node claims the CPUs written here whatever the machine has.
SlurmdParameters=config_overrides
KillWait=10
MinJobAge=600
# A requeued job waits for its credential to expire before it starts again (default 120 s).
AuthInfo=cred_expire=5
# Short scheduling passes: a requeued task starts again within seconds of becoming eligible.
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=100000
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
)

node_state() { sinfo -h -n "$NODE" -o %t 2>/dev/null | head -n 1; }
# Up: idle, or running someone's jobs already.
up() { case "$(node_state)" in idle | mix | alloc) true ;; *) false ;; esac; }
if command -v sinfo >/dev/null && up && [ "$(cat "$CONF" 2>/dev/null)" = "$conf" ]; then
  say "already up: node $NODE $(node_state)"
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends slurm-wlm munge >/tmp/slurm-local-apt.log 2>&1; }
  apt_install || { apt-get update -q >>/tmp/slurm-local-apt.log 2>&1 && apt_install; } || die "apt-get install slurm-wlm munge failed (see /tmp/slurm-local-apt.log)"
fi

# A configuration of someone else's cluster is never replaced.
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  die "$CONF exists and was not written by this script; move it away to let it write a one-node configuration"
fi

mkdir -p "$CONF_DIR" "$STATE/slurmctld" "$STATE/slurmd" "$LOGS" /run/munge /var/log/munge /var/lib/munge
chown slurm:slurm "$STATE/slurmctld" "$LOGS"
chown munge:munge /run/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge

changed=0
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$conf" ]; then
  printf '%s\n' "$conf" >"$CONF"
  changed=1
fi

if [ ! -s /etc/munge/munge.key ]; then
  say "creating a munge key"
  mkdir -p /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
fi
chown munge:munge /etc/munge /etc/munge/munge.key
chmod 0700 /etc/munge
chmod 0400 /etc/munge/munge.key

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! alive /run/munge/munged.pid; then
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid || die "munged did not start (see /var/log/munge/munged.log)"
fi
munge -n | unmunge >/dev/null || die "munge cannot encode and decode a credential (see /var/log/munge/munged.log)"

if [ "$changed" -eq 1 ] && alive /run/slurmctld.pid; then
  # Some settings (cred_expire, the node) are read at start only: restart both daemons on the new configuration.
  say "configuration changed: restarting slurmctld and slurmd"
  scontrol shutdown >/dev/null 2>&1 || true
  for _ in $(seq 30); do alive /run/slurmctld.pid || alive /run/slurmd.pid || break; sleep 1; done
fi
if ! alive /run/slurmctld.pid; then
  say "starting slurmctld"
  /usr/sbin/slurmctld || die "slurmctld did not start (see $LOGS/slurmctld.log)"
fi
if ! alive /run/slurmd.pid; then
  say "starting slurmd"
  /usr/sbin/slurmd -N "$NODE" || die "slurmd did not start (see $LOGS/slurmd.log)"
fi

for _ in $(seq "$WAIT_S"); do
  state=$(node_state)
  case "$state" in
    idle | mix | alloc) say "up: node $NODE $state"; exit 0 ;;
    # A node drained or left down by an earlier session (its state is saved) is given back to the scheduler.
    drain* | down*) scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 1
done
die "node $NODE is '${state:-unknown}', not idle, after ${WAIT_S} s (see $LOGS/slurmctld.log and $LOGS/slurmd.log)"
