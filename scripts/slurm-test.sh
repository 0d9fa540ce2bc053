#!/usr/bin/env bash
# The guide's Slurm recipes on a real Slurm: installs Debian's slurm-wlm and munge if
# missing, starts a one-node cluster on 127.0.0.1 with every file in a temporary folder,
# submits the explore and sweep job arrays with their merge jobs (the files under
# docs/guide/recipes/, as the guide shows them), and compares the merged results with
# the unsharded runs byte for byte (explore's JSON without its timings). Every daemon it
# started is stopped by its process id, whatever happens. Says SKIPPED where Slurm
# cannot be installed; CI sets LINKSIM_REQUIRE_SLURM=1, which makes that a failure.
#
#   scripts/slurm-test.sh [LINKSIM]   (default: a release build of this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
linksim=${1:-}
if [ -z "$linksim" ]; then
  cargo build -q --release -p linksim
  linksim=$root/target/release/linksim
fi
linksim=$(realpath "$linksim")
skip() {
  echo "SKIPPED: $*"
  if [ "${LINKSIM_REQUIRE_SLURM:-0}" = 1 ]; then echo "FAIL: CI requires the Slurm test"; exit 1; fi
  exit 0
}
if ! command -v slurmctld > /dev/null || ! command -v munged > /dev/null; then
  command -v apt-get > /dev/null || skip "no slurmctld/munged and no apt-get to install them"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      slurmctld slurmd slurm-client munge > /dev/null; } || skip "Debian's slurm-wlm and munge could not be installed"
fi

# The guide shows each recipe as committed.
for recipe in docs/guide/recipes/*; do
  python3 -c 'import sys; sys.exit(open(sys.argv[1]).read().rstrip("\n") not in open(sys.argv[2]).read())' \
    "$recipe" docs/guide/past-one-machine.md || { echo "FAIL: docs/guide/past-one-machine.md does not show $recipe as committed"; exit 1; }
done

tmp=$(mktemp -d)
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2> /dev/null || true
  done
  rm -rf "$tmp"
}
trap stop EXIT

# munge: its own key, socket and files.
dd if=/dev/urandom of="$tmp/munge.key" bs=1024 count=1 status=none
chmod 400 "$tmp/munge.key"
munged --force --foreground --key-file="$tmp/munge.key" --socket="$tmp/munge.socket" \
  --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" --seed-file="$tmp/munge.seed" \
  > "$tmp/munged.out" 2>&1 &
pids+=($!)

# Slurm: one node on 127.0.0.1, ports of its own, state and logs in the folder.
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/work/scenarios"
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=linkpilot
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=linkpilot-node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
for _ in $(seq 50); do [ -S "$tmp/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -i -f "$SLURM_CONF" > "$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N linkpilot-node -f "$SLURM_CONF" > "$tmp/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 120); do
  if sinfo -h -o '%T' 2> /dev/null | grep -qE '^(idle|mixed)'; then up=1; break; fi
  sleep 0.5
done
if [ "$up" != 1 ]; then
  tail -n 20 "$tmp/slurmctld.log" "$tmp/slurmd.log" || true
  echo "FAIL: the one-node cluster did not come up"; exit 1
fi
sinfo

# The recipes as committed, from a working folder with the scenario they sweep.
cp docs/guide/recipes/*.sbatch "$tmp/work/"
cp scenarios/outage-connector-dies-at-a-drawn-moment.json "$tmp/work/scenarios/"
cd "$tmp/work"
export PATH=$(dirname "$linksim"):$PATH
explore=$(sbatch --parsable explore-array.sbatch)
explore_merge=$(sbatch --parsable --dependency=afterany:"$explore" explore-merge.sbatch)
sweep=$(sbatch --parsable sweep-array.sbatch)
sweep_merge=$(sbatch --parsable --dependency=afterany:"$sweep" sweep-merge.sbatch)
echo "submitted: explore array $explore, its merge $explore_merge; sweep array $sweep, its merge $sweep_merge"
failed() {
  squeue || true
  for f in explore-0.err sweep-0.err explore-merged.txt sweep-merge.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 5 "$f"; }
  done
  echo "FAIL: $*"
  exit 1
}
for _ in $(seq 600); do
  queued=$(squeue -h -o '%i %r' 2> /dev/null)
  [ -z "$queued" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -o '%i')" ] || failed "jobs still queued after 5 minutes"
for f in explore-merged.txt sweep.csv; do
  [ -s "$f" ] || failed "the merge job wrote no $f"
done

# The unsharded runs, compared.
# Explore's text from "L1 was claimed" on (the first lines are timings), and its JSON
# without the timings and thread count.
linksim explore --seeds 0..40000 --jobs 2 --coverage > whole.txt
results() { sed -n '/^L1 was claimed/,$p' "$1"; }
diff <(results whole.txt) <(results explore-merged.txt) \
  || { echo "FAIL: the merged explore differs from the unsharded run"; exit 1; }
untimed='import json, sys; d = json.load(sys.stdin); [d.pop(k) for k in ("wall_s", "seeds_per_s", "simulated_s_per_wall_s", "jobs")]; print(json.dumps(d, sort_keys=True))'
linksim explore --seeds 0..40000 --jobs 2 --coverage --json | python3 -c "$untimed" > whole.json
linksim explore --merge explore-0.json explore-1.json explore-2.json explore-3.json --json \
  | python3 -c "$untimed" > merged.json
cmp whole.json merged.json || { echo "FAIL: the merged explore JSON differs"; exit 1; }
linksim sweep scenarios/outage-connector-dies-at-a-drawn-moment.json --seeds 0..2000 \
  --set config.connect_tout=1s,3s --jobs 2 --csv whole.csv > /dev/null 2>&1
cmp whole.csv sweep.csv || { echo "FAIL: the merged sweep CSV differs"; exit 1; }
tail -n 1 explore-merged.txt
echo "slurm: the explore array (4 tasks) and the sweep array (4 tasks) merged to the unsharded results, byte for byte"
