#!/usr/bin/env bash
# A real one-node Slurm on this machine, for tests/flows/test_slurm.py: Debian's
# slurm-wlm (slurmctld, slurmd, sbatch) and munge, installed when missing (root only),
# a minimal slurm.conf for this node (its line from `slurmd -C`; proctrack/linuxproc and
# task/none: no cgroup plugin needed), munged, slurmctld and slurmd started by hand.
# Prints "ready" when sinfo shows the node idle; any other last line says why not.
#   slurm_node.sh up | down
set -u
conf=/etc/slurm/slurm.conf
if [ "${1:-up}" = down ]; then
    pkill -x slurmd; pkill -x slurmctld; exit 0
fi
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
    if [ "$(id -u)" != 0 ]; then echo "no Slurm here, and not root to install it"; exit 3; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client munge \
        >/dev/null 2>&1 || { echo "apt-get could not install slurmctld slurmd slurm-client munge"; exit 3; }
fi
if [ "$(id -u)" != 0 ]; then echo "not root: cannot start slurmctld and slurmd"; exit 3; fi
host=$(hostname -s)
node=$(slurmd -C 2>/dev/null | head -1)
case "$node" in NodeName=*) ;; *) echo "slurmd -C gave no node line"; exit 3;; esac
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
cat > "$conf" <<CONF
# Written by concurrency-kit's tests/flows/slurm_node.sh: one node, this machine.
ClusterName=ck-test
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
$node State=UNKNOWN
PartitionName=ck Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
if ! pgrep -x munged >/dev/null; then
    [ -s /etc/munge/munge.key ] || { command -v mungekey >/dev/null && mungekey -c -f >/dev/null 2>&1 \
        || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
    chown munge:munge /etc/munge/munge.key 2>/dev/null; chmod 400 /etc/munge/munge.key
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- munged --force || { echo "munged did not start"; exit 3; }
fi
pkill -x slurmd; pkill -x slurmctld; sleep 1
slurmctld || { echo "slurmctld did not start (see /var/log/slurm/slurmctld.log)"; exit 3; }
slurmd || { echo "slurmd did not start (see /var/log/slurm/slurmd.log)"; exit 3; }
for _ in $(seq 1 60); do
    state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
    case "$state" in idle*) echo ready; exit 0;; esac
    sleep 1
done
echo "the node never became idle (sinfo: ${state:-nothing}); see /var/log/slurm/"
exit 3
