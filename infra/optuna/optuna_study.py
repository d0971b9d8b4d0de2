"""One operation on an Optuna study, for serflow's TypeScript side (tracking/optuna-studies.ts).

Reads one JSON request on stdin, writes one JSON answer on stdout; a bad request exits 2 with
{"error": ...} on stdout (the caller maps it to a non-retryable input error), anything else
exits 1 (retried). Every operation is idempotent, so that a Temporal activity may retry it:

  ask     the trial of a slot: the trial whose user attr `serflow_slot` is the slot, or a new one
          (study.ask with the space's distributions, every parameter sampled at once);
  report  an intermediate value at a step (a step already reported is ignored by Optuna) and the
          pruner's answer; on a finished trial, no report, and `prune` says whether it was pruned;
  tell    the trial's end (complete with its values, pruned, fail); a finished trial is left as
          it is (skip_if_finished);
  summary every trial (number, slot, state, values, params, intermediate values), the counts per
          state and the best trial(s);
  figures Optuna's own plots (optimisation history, parallel coordinates, parameter importances)
          as SVG and PNG, and the importances as data.

Samplers and pruners are not stored by Optuna: every request names them and they are built
anew. A sampler built anew with the same seed would repeat its first draw in every process, so
the samplers that draw from a seed get one per slot, (seed * 1000003 + slot) mod 2**32: a slot's
trial is the same whichever process asks for it. QMC keeps the sweep's seed (its scrambling must
be the same for the whole sequence; the sequence index is kept in the study).
"""
import json
import sys


class BadRequest(Exception):
    pass


def main() -> int:
    try:
        request = json.load(sys.stdin)
    except json.JSONDecodeError as err:
        print(json.dumps({"error": f"the request is not JSON ({err})"}))
        return 2
    try:
        answer = OPERATIONS[request["op"]](request)
    except BadRequest as err:
        print(json.dumps({"error": str(err)}))
        return 2
    print(json.dumps(answer, allow_nan=False))
    return 0


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def slot_seed(seed: int, slot: int) -> int:
    return (seed * 1000003 + slot) % 2**32


def build_sampler(optuna, spec: dict, slot):
    kind, seed = spec["kind"], spec["seed"]
    per_slot = seed if slot is None else slot_seed(seed, slot)
    if kind == "tpe":
        # constant_liar: with trials running at once, TPE does not sample next to a running one.
        return optuna.samplers.TPESampler(seed=per_slot, constant_liar=True)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=per_slot)
    if kind == "cmaes":
        return optuna.samplers.CmaEsSampler(seed=per_slot)
    if kind == "gp":
        try:
            return optuna.samplers.GPSampler(seed=per_slot)
        except ImportError as err:
            raise BadRequest(f"the gp sampler needs PyTorch and SciPy in the serflow venv ({err}); use tpe or cmaes, or pip install torch scipy into it")
    if kind == "qmc":
        return optuna.samplers.QMCSampler(seed=seed, scramble=True)
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=per_slot)
    raise BadRequest(f"unknown sampler {kind!r}")


def build_pruner(optuna, spec: dict):
    kind = spec["kind"]
    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=spec.get("startupTrials", 5), n_warmup_steps=spec.get("warmupSteps", 0))
    if kind == "successive-halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=spec.get("minResource", "auto"))
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=spec.get("minResource", 1), max_resource=spec.get("maxResource", "auto"))
    if kind == "none":
        return optuna.pruners.NopPruner()
    raise BadRequest(f"unknown pruner {kind!r}")


def storage_of(optuna, url: str):
    if url.startswith("sqlite:///"):
        import os

        os.makedirs(os.path.dirname(url[len("sqlite:///"):]) or ".", exist_ok=True)
        # Several worker processes write the same file: wait for its lock rather than fail.
        return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
    return optuna.storages.RDBStorage(url, heartbeat_interval=None)


def load_study(request: dict, slot=None):
    optuna = _optuna()
    if "sampler" not in request:
        # A reader (the report): the study as stored, with Optuna's default sampler and pruner.
        try:
            return optuna, optuna.load_study(study_name=request["study"], storage=storage_of(optuna, request["storage"]))
        except KeyError:
            raise BadRequest(f"no study {request['study']!r} in the Optuna storage {request['storage'].split('@')[-1]}")
    study = optuna.create_study(
        storage=storage_of(optuna, request["storage"]),
        study_name=request["study"],
        sampler=build_sampler(optuna, request["sampler"], slot),
        pruner=build_pruner(optuna, request["pruner"]),
        directions=request["directions"],
        load_if_exists=True,
    )
    return optuna, study


def distribution(optuna, spec: dict):
    if "choice" in spec:
        return optuna.distributions.CategoricalDistribution(spec["choice"])
    if "uniform" in spec:
        low, high = spec["uniform"]
        return optuna.distributions.FloatDistribution(low, high)
    if "logUniform" in spec:
        low, high = spec["logUniform"]
        return optuna.distributions.FloatDistribution(low, high, log=True)
    if "intUniform" in spec:
        low, high = spec["intUniform"]
        return optuna.distributions.IntDistribution(low, high)
    raise BadRequest(f"unknown distribution {spec!r}")


def trial_of_slot(study, slot: int):
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("serflow_slot") == slot:
            return t
    return None


def describe(t) -> dict:
    return {
        "number": t.number,
        "slot": t.user_attrs.get("serflow_slot"),
        "state": t.state.name.lower(),
        "values": t.values,
        "params": t.params,
        "intermediate": [[step, value] for step, value in sorted(t.intermediate_values.items())],
        "runId": t.user_attrs.get("serflow_run_id"),
    }


def op_ask(request: dict) -> dict:
    slot = request["slot"]
    optuna, study = load_study(request, slot)
    existing = trial_of_slot(study, slot)
    if existing is not None:
        return describe(existing)
    trial = study.ask({path: distribution(optuna, d) for path, d in request["space"].items()})
    trial.set_user_attr("serflow_slot", slot)
    return describe(study._storage.get_trial(trial._trial_id))


def frozen(study, number: int):
    trials = study.get_trials(deepcopy=False)
    if number < 0 or number >= len(trials) or trials[number].number != number:
        matches = [t for t in trials if t.number == number]
        if not matches:
            raise BadRequest(f"study {study.study_name} has no trial {number}")
        return matches[0]
    return trials[number]


def op_report(request: dict) -> dict:
    optuna, study = load_study(request)
    t = frozen(study, request["trial"])
    if t.state.is_finished():
        return {"prune": t.state == optuna.trial.TrialState.PRUNED, "state": t.state.name.lower()}
    trial = optuna.trial.Trial(study, t._trial_id)
    trial.report(request["value"], request["step"])
    return {"prune": bool(trial.should_prune()), "state": "running"}


def op_tell(request: dict) -> dict:
    optuna, study = load_study(request)
    t = frozen(study, request["trial"])
    if request.get("runId") and not t.state.is_finished():
        study._storage.set_trial_user_attr(t._trial_id, "serflow_run_id", request["runId"])
    state = {"complete": optuna.trial.TrialState.COMPLETE, "pruned": optuna.trial.TrialState.PRUNED, "fail": optuna.trial.TrialState.FAIL}[request["state"]]
    values = request.get("values") if request["state"] == "complete" else None
    if request["state"] == "pruned" and not t.intermediate_values:
        # Optuna takes a pruned trial's value from its last report; one pruned before any has none.
        state = optuna.trial.TrialState.FAIL
    study.tell(request["trial"], values=values, state=state, skip_if_finished=True)
    return {**summary(study), "trial": describe(frozen(study, request["trial"]))}


def summary(study) -> dict:
    trials = study.get_trials(deepcopy=False)
    counts = {}
    for t in trials:
        counts[t.state.name.lower()] = counts.get(t.state.name.lower(), 0) + 1
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    best = [describe(t) for t in study.best_trials] if complete else []
    return {"counts": counts, "best": best}


def op_summary(request: dict) -> dict:
    _, study = load_study(request)
    return {**summary(study), "trials": [describe(t) for t in study.get_trials(deepcopy=False)], "directions": [d.name.lower() for d in study.directions]}


def op_figures(request: dict) -> dict:
    import os

    optuna, study = load_study(request)
    out = request["outDir"]
    os.makedirs(out, exist_ok=True)
    names = request.get("objectiveNames") or ["objective"]
    multi = len(study.directions) > 1
    # Plots of one objective at a time: the first (the sweep's primary objective).
    target = (lambda t: t.values[0]) if multi else None
    target_name = names[0]
    answer = {"files": [], "importances": None, "problems": []}
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    try:
        answer["importances"] = optuna.importance.get_param_importances(study, target=target, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=1))
    except Exception as err:  # too few complete trials, a single parameter value
        answer["problems"].append(f"parameter importances: {err}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from optuna.visualization import matplotlib as vis
    except ImportError as err:
        answer["problems"].append(f"no matplotlib ({err}): the report draws the data instead")
        return answer
    plots = [
        ("optimisation-history", lambda: vis.plot_optimization_history(study, target=target, target_name=target_name)),
        ("parallel-coordinates", lambda: vis.plot_parallel_coordinate(study, target=target, target_name=target_name)),
    ]
    if answer["importances"]:
        plots.append(("parameter-importances", lambda: vis.plot_param_importances(study, target=target, target_name=target_name, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=1))))
    import warnings

    for name, plot in plots:
        if not complete:
            answer["problems"].append(f"{name}: no complete trial")
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ax = plot()
            fig = ax.figure if hasattr(ax, "figure") else ax.flat[0].figure
            fig.set_size_inches(8, 5)
            fig.tight_layout()
            for ext in ("svg", "png"):
                path = os.path.join(out, f"{name}.{ext}")
                fig.savefig(path, dpi=110)
                answer["files"].append(path)
            plt.close(fig)
        except Exception as err:
            answer["problems"].append(f"{name}: {err}")
    return answer


OPERATIONS = {"ask": op_ask, "report": op_report, "tell": op_tell, "summary": op_summary, "figures": op_figures}

if __name__ == "__main__":
    sys.exit(main())
