#!/usr/bin/env bash
# Installs a single-node SLURM from Debian's packages (slurm-wlm, munge) for
# examples/slurm/check-real-slurm.sh, which configures and starts the daemons itself (nothing is
# configured or started here). The plugins that check uses are all in slurm-wlm-basic-plugins,
# so recommended packages (GPU, IPMI, HDF5, ... plugins) are left out. About 10 MB to download.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
if command -v slurmctld > /dev/null && command -v slurmd > /dev/null && command -v sbatch > /dev/null &&
  command -v munged > /dev/null; then
  echo "install-slurm: SLURM $(dpkg-query -W -f '${Version}' slurm-client 2> /dev/null) and munge already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
[ "${CADRESIM_APT_UPDATED:-}" = 1 ] || apt-get update -q
apt-get install -y -q --no-install-recommends slurm-wlm munge
echo "install-slurm: installed SLURM $(dpkg-query -W -f '${Version}' slurm-client)"
