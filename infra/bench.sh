#!/usr/bin/env bash
# `npm run bench`: every benchmark in one run, one after the other (the machine is shared by
# nothing else of ours while it runs), each printing its table and writing JSON to bench/output/.
#   npm run bench                 all
#   npm run bench -- gan          only the named ones (gan, gan-fold, layouts, features, evaluation, overhead, scaling, optuna, fleet, acrnn)
# gan-fold (one Table 1 fold's GAN trainings, tfjs and PyTorch, one training per repeat and then
# each loss's repeats as one group: about 10 min) and layouts (a generator step's matmuls in four
# layouts on this CPU: about 2 min) run only when named.
# acrnn (one ACRNN training step at Chen et al.'s full widths, tfjs against PyTorch alternating,
# then one full-width epoch on all of EMO-DB: about 15 min on 2 cores) runs only when named.
# fleet (Optuna ask/tell and MLflow logging on PostgreSQL against SQLite, 1-8 writers: 8 min on a
# busy 2-core box; starts the fleet of infra/fleet/up.sh) runs only when named.
set -euo pipefail
cd "$(dirname "$0")/.."
bash infra/bootstrap.sh
export TF_CPP_MIN_LOG_LEVEL=2 SERFLOW_LOG_LEVEL="${SERFLOW_LOG_LEVEL:-warn}"
export TF_NUM_INTEROP_THREADS="${TF_NUM_INTEROP_THREADS:-1}" TF_NUM_INTRAOP_THREADS="${TF_NUM_INTRAOP_THREADS:-$(nproc)}"
mkdir -p bench/output
want=("$@"); [[ ${#want[@]} -eq 0 ]] && want=(gan features evaluation overhead scaling optuna)
for b in "${want[@]}"; do
  echo "=== $b" >&2
  case "$b" in
    gan) bash infra/setup.sh torch && node --import tsx bench/gan-iteration.ts ;;
    gan-fold) bash infra/setup.sh torch && node --import tsx bench/gan-fold.ts && node --import tsx bench/gan-fold.ts --group ;;
    layouts) node --import tsx bench/matmul-layouts.ts ;;
    features) node --import tsx bench/feature-extraction.ts ;;
    evaluation) node --import tsx bench/prepare-feature-tables.ts && node --import tsx bench/evaluation.ts ;;
    overhead) bin/serflow stack up >/dev/null && node --import tsx bench/orchestration-overhead.ts ;;
    scaling) bin/serflow stack up >/dev/null && node --import tsx bench/sweep-scaling.ts ;;
    optuna) bin/serflow stack up >/dev/null && node --import tsx bench/optuna-search.ts ;;
    acrnn) bash infra/setup.sh torch && node --import tsx bench/acrnn-step.ts && node --import tsx bench/acrnn-step.ts --epoch ;;
    fleet) bash infra/fleet/up.sh >/dev/null && node --import tsx bench/fleet-storage.ts ;;
    *) echo "unknown benchmark '$b' (gan, gan-fold, layouts, features, evaluation, overhead, scaling, optuna, fleet, acrnn)" >&2; exit 2 ;;
  esac
done
