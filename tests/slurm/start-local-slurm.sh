#!/usr/bin/env bash
# A single-node SLURM on this Debian machine (no systemd needed), for tests/test_slurm.py and for
# trying `snakemake --profile profiles/slurm` by hand.
#   bash tests/slurm/start-local-slurm.sh          start it; run again: checks it is up, restarts what is not
#   bash tests/slurm/start-local-slurm.sh stop     stop slurmd, slurmctld and munged; remove the config
# Needs root and the Debian packages slurmctld slurmd slurm-client munge. The node's CPUs and memory
# come from `slurmd -C` on this machine. There is no slurmdbd: job records go to $JOBCOMP_LOG
# (jobcomp/filetxt), and finished jobs stay visible to squeue/scontrol for MinJobAge seconds.
set -euo pipefail

# The executor's job step clears SLURM_CONF, so only the default path works.
CONF=/etc/slurm/slurm.conf
RUN_DIR=/run/slurm
LOG_DIR=/var/log/slurm
STATE_DIR=/var/lib/slurm
JOBCOMP_LOG=$LOG_DIR/jobcomp.log
# Snakemake's squeue-based status needs a job visible after it ends (>= 3 status-check intervals);
# an hour also keeps `scontrol show job` records for a whole test run.
MIN_JOB_AGE=3600

fail() {
  echo "start-local-slurm: $*" >&2
  exit 1
}

check_machine() {
  [[ $(id -u) -eq 0 ]] || fail "needs root (it writes $CONF and starts daemons)"
  local program
  for program in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$program" >/dev/null ||
      fail "$program not found: apt-get install slurmctld slurmd slurm-client munge"
  done
}

# munged is started by systemd on a normal install; here it needs its runtime directory made.
start_munge() {
  install -d -o munge -g munge -m 0755 /run/munge
  [[ -s /etc/munge/munge.key ]] || runuser -u munge -- mungekey --create
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- munged
    munge -n | unmunge >/dev/null || fail "munged started but credentials do not verify"
  fi
}

write_config() {
  local host node cpus memory
  host=$(hostname -s)
  # e.g. "NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105"
  node=$(slurmd -C | head -n 1)
  [[ $node == NodeName=* ]] || fail "unexpected 'slurmd -C' output: $node"
  cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node")
  memory=$(sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p' <<<"$node")
  [[ -n $cpus && -n $memory ]] || fail "no CPUs/RealMemory in 'slurmd -C' output: $node"
  cat >"$CONF.new" <<EOF
# Written by tests/slurm/start-local-slurm.sh: a single-node test cluster.
ClusterName=localtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=$STATE_DIR/slurmctld
SlurmdSpoolDir=$STATE_DIR/slurmd
SlurmctldPidFile=$RUN_DIR/slurmctld.pid
SlurmdPidFile=$RUN_DIR/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
# No systemd, possibly no cgroup hierarchy (containers): track processes by parent id, no binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
# CPUs and memory are both consumable, so --mem and --exclusive are enforced by the scheduler.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# A job without a memory request gets one CPU's share of the node, not all of it.
DefMemPerCPU=$((memory / cpus))
MinJobAge=$MIN_JOB_AGE
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
# No slurmdbd (so no sacct): every finished job is appended here instead.
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP_LOG
NodeName=$host NodeAddr=127.0.0.1 ${node#NodeName=* } State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  if cmp -s "$CONF.new" "$CONF"; then
    rm "$CONF.new"
    return 1
  fi
  mv "$CONF.new" "$CONF"
}

# Pid file names a live process (the daemons write their own pid files).
running() {
  [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

stop_daemon() {
  local pid_file=$RUN_DIR/$1.pid
  if running "$pid_file"; then
    local pid
    pid=$(cat "$pid_file")
    kill "$pid"
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.2
    done
    fail "$1 (pid $pid) did not stop"
  fi
}

start_daemons() {
  install -d -o slurm -g slurm -m 0755 "$RUN_DIR" "$LOG_DIR" "$STATE_DIR/slurmctld"
  install -d -m 0755 "$STATE_DIR/slurmd"
  touch "$JOBCOMP_LOG" && chown slurm:slurm "$JOBCOMP_LOG"
  running "$RUN_DIR/slurmctld.pid" || slurmctld
  running "$RUN_DIR/slurmd.pid" || slurmd
}

wait_until_idle() {
  local host state
  host=$(hostname -s)
  for _ in $(seq 60); do
    state=$(sinfo --noheader --nodes "$host" --format %T 2>/dev/null || true)
    case $state in
      idle* | mixed* | allocated*) return 0 ;;
      drain* | down*) scontrol update NodeName="$host" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.5
  done
  fail "node $host not up after 30 s (state: ${state:-none}); see $LOG_DIR/slurmctld.log and slurmd.log"
}

stop_all() {
  stop_daemon slurmd
  stop_daemon slurmctld
  if [[ -S /run/munge/munge.socket.2 ]]; then
    munged --stop 2>/dev/null || true
  fi
  # A config naming a stopped controller makes every scontrol call wait about 9 s for it, and the
  # SLURM executor plugin runs `scontrol show config` when Snakemake starts: every later snakemake
  # command on this machine would start 9 s late. Start writes it again.
  rm -f "$CONF"
}

main() {
  check_machine
  if [[ ${1:-start} == stop ]]; then
    stop_all
    return
  fi
  [[ ${1:-start} == start ]] || fail "unknown command '$1' (start | stop)"
  start_munge
  if write_config; then
    # A changed configuration (first run, or the machine changed): restart with it.
    stop_daemon slurmd
    stop_daemon slurmctld
  fi
  start_daemons
  wait_until_idle
  echo "SLURM is up: $(sinfo --noheader --format '%P %D node(s) %c CPUs %m MB %T')"
}

main "$@"
