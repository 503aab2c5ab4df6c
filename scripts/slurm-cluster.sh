#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm test in CI and for trying the
# job-array templates in deploy/slurm/ by hand.
#
#   scripts/slurm-cluster.sh [up]   install Debian's slurm-wlm and munge if missing, write the
#                                   munge key and slurm.conf if absent, start munged,
#                                   slurmctld and slurmd unless running, wait until the node
#                                   is idle
#   scripts/slurm-cluster.sh down   stop the three daemons (by their pid files)
#   scripts/slurm-cluster.sh status say what runs and what sinfo shows
#
# Runs as root, needs no systemd, and is idempotent: `up` twice in a row starts nothing
# twice, and `up` after `down` brings the same cluster back. The daemons run as root
# (SlurmUser=root), so do the jobs; no cgroups, no accounting database.
#
# Environment (all optional):
#   SLURM_UP_TIMEOUT  seconds to wait for the node to be idle (default 60)
#   SLURM_CONF_FORCE  1 rewrites slurm.conf even if it exists (default: keep one written by
#                     this script, refuse to touch one written by anybody else)
set -euo pipefail

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
MUNGE_KEY=/etc/munge/munge.key
MUNGE_SOCKET=/run/munge/munge.socket.2
MUNGE_PID=/run/munge/munged.pid
STATE_DIR=/var/spool/slurmctld
SPOOL_DIR=/var/spool/slurmd
LOG_DIR=/var/log/slurm
RUN_DIR=/run/slurm
CTLD_PID=$RUN_DIR/slurmctld.pid
SLURMD_PID=$RUN_DIR/slurmd.pid
MARK="# written by chokepoint scripts/slurm-cluster.sh"
TIMEOUT=${SLURM_UP_TIMEOUT:-60}

say() { printf 'slurm-cluster: %s\n' "$*" >&2; }

die() {
    say "error: $*"
    dump_logs
    exit 1
}

# The last lines of each daemon's log, so a failure in CI explains itself.
dump_logs() {
    local f
    for f in /var/log/munge/munged.log "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log"; do
        if [[ -s $f ]]; then
            printf '\n----- last lines of %s -----\n' "$f" >&2
            tail -n 40 "$f" >&2
        fi
    done
}

need_root() {
    [[ $(id -u) -eq 0 ]] || { say "error: run as root (the daemons and the munge key need it)"; exit 1; }
}

# Pid from a pid file, if that process is alive and is the named program.
alive() {
    local pidfile=$1 name=$2 pid
    [[ -r $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/comm && $(<"/proc/$pid/comm") == "$name" ]] || return 1
    # A zombie (exited, not yet reaped) is not running.
    [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
    echo "$pid"
}

install_packages() {
    local missing=() p
    for p in slurm-wlm munge; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        return
    fi
    say "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    # The packages' own attempts to start their services (policy-rc.d, no systemd) print
    # warnings that mean nothing here: keep apt's output in a log, shown if it fails.
    local log
    log=$(mktemp -t slurm-cluster-apt.XXXXXX)
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        -o Dpkg::Use-Pty=0 "${missing[@]}"; } >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        die "apt-get install ${missing[*]} failed (output above)"
    fi
    rm -f "$log"
}

munge_key() {
    install -d -o munge -g munge -m 0700 /etc/munge
    if [[ ! -s $MUNGE_KEY ]]; then
        say "writing a new munge key $MUNGE_KEY"
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile="$MUNGE_KEY"
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
        fi
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
}

# Memory slurmd may promise to jobs, in MB: the machine's less 1/16 for the system, so
# that slurmd never finds less than configured (a node with less memory than slurm.conf
# says is drained as "Low RealMemory"), rounded down to 256 MB so that the file does not
# change with a few kB of MemTotal.
real_memory() {
    local kb
    kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
    echo $((kb * 15 / 16 / 1024 / 256 * 256))
}

# The slurm.conf for this machine, on stdout.
render_conf() {
    local node cpus mem
    node=$(hostname -s)
    cpus=$(nproc)
    mem=$(real_memory)
    cat <<EOF
$MARK
# A one-node cluster on localhost: daemons and jobs as root, no cgroups, no accounting.
ClusterName=chokepoint
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
# No mail on this node; without this slurmctld logs "Configured MailProg is invalid".
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a --mem request a job gets its CPUs' share of the node, so that one job does not
# take the whole node's memory and serialise the array.
DefMemPerCPU=$((mem / cpus))
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
ReturnToService=2
# Reject at submission a job this node can never run (say --cpus-per-task above the node's
# CPUs), instead of leaving it pending for ever with reason PartitionConfig.
EnforcePartLimits=ALL
# Trust the node line below even if slurmd counts the hardware differently (containers).
SlurmdParameters=config_overrides
StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Finished jobs stay visible to squeue/scontrol this long (seconds).
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=main Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

write_conf() {
    local want
    want=$(render_conf)
    if [[ -e $CONF && ${SLURM_CONF_FORCE:-0} != 1 ]]; then
        if ! head -n 1 "$CONF" | grep -qF "$MARK"; then
            die "$CONF exists and was not written by this script; set SLURM_CONF_FORCE=1 to replace it"
        fi
        [[ $(<"$CONF") != "$want" ]] || return 0
        if alive "$CTLD_PID" slurmctld >/dev/null || alive "$SLURMD_PID" slurmd >/dev/null; then
            die "$CONF is out of date (another hostname, core count, memory or script version) but the daemons run; run '$0 down', then '$0 up'"
        fi
    fi
    say "writing $CONF ($(grep '^NodeName=' <<<"$want"))"
    install -d -m 0755 "$CONF_DIR"
    printf '%s\n' "$want" >"$CONF.tmp"
    chmod 0644 "$CONF.tmp"
    mv "$CONF.tmp" "$CONF"
}

start_munged() {
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    if alive "$MUNGE_PID" munged >/dev/null; then
        return
    fi
    say "starting munged"
    # --force: start even if it finds a stale socket or permissions it dislikes.
    runuser -u munge -- munged --force || die "munged did not start"
    local i
    for ((i = 0; i < 50; i++)); do
        [[ -S $MUNGE_SOCKET ]] && break
        sleep 0.1
    done
    munge -n | unmunge >/dev/null 2>&1 || die "munge round trip failed (munge -n | unmunge)"
}

start_slurm() {
    install -d -m 0755 "$STATE_DIR" "$SPOOL_DIR" "$LOG_DIR" "$RUN_DIR"
    if ! alive "$CTLD_PID" slurmctld >/dev/null; then
        say "starting slurmctld"
        slurmctld || die "slurmctld did not start"
    fi
    if ! alive "$SLURMD_PID" slurmd >/dev/null; then
        say "starting slurmd"
        slurmd -N "$(hostname -s)" || die "slurmd did not start"
    fi
}

node_state() {
    sinfo -h -N -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n 1
}

wait_idle() {
    local node state deadline resumed=0
    node=$(hostname -s)
    deadline=$((SECONDS + TIMEOUT))
    while ((SECONDS < deadline)); do
        state=$(node_state || true)
        case $state in
        idle | mixed | allocated | completing)
            say "node $node is $state"
            return
            ;;
        drained | draining | down)
            # A node left down or drained by an earlier run: give it back once.
            if ((resumed == 0)); then
                say "node $node is $state; resuming it"
                scontrol update NodeName="$node" State=RESUME || true
                resumed=1
            fi
            ;;
        esac
        sleep 1
    done
    sinfo -N -l >&2 || true
    scontrol show node "$node" >&2 || true
    die "node $node not idle after ${TIMEOUT}s (last state: '${state:-none}')"
}

up() {
    need_root
    install_packages
    munge_key
    write_conf
    start_munged
    start_slurm
    wait_idle
}

stop_pid() {
    local pidfile=$1 name=$2 pid i
    pid=$(alive "$pidfile" "$name") || return 0
    say "stopping $name ($pid)"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        alive "$pidfile" "$name" >/dev/null || return 0
        sleep 0.1
    done
    say "$name ($pid) still runs after 10 s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
}

down() {
    need_root
    stop_pid "$SLURMD_PID" slurmd
    stop_pid "$CTLD_PID" slurmctld
    stop_pid "$MUNGE_PID" munged
}

status() {
    local name pidfile pid rc=0
    for name in munged slurmctld slurmd; do
        case $name in
        munged) pidfile=$MUNGE_PID ;;
        slurmctld) pidfile=$CTLD_PID ;;
        slurmd) pidfile=$SLURMD_PID ;;
        esac
        if pid=$(alive "$pidfile" "$name"); then
            printf '%-10s running (pid %s)\n' "$name" "$pid"
        else
            printf '%-10s stopped\n' "$name"
            rc=3
        fi
    done
    if ((rc == 0)); then
        sinfo -N -l || rc=3
    fi
    return $rc
}

case ${1:-up} in
up) up ;;
down) down ;;
status) status ;;
-h | --help | help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
*)
    say "error: unknown command '$1' (use up, down or status)"
    exit 2
    ;;
esac
