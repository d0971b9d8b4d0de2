"""Operations on Optuna studies, for serflow's TypeScript side (optuna-process.ts beside it).

A long-lived process: one JSON request per line on stdin, one JSON answer per line on stdout,
{"id", "ok": answer} or {"id", "error", "bad"}; `bad` marks a wrong request (the caller maps it
to a non-retryable input error), any other error is retried. It ends when stdin closes. Every
operation is idempotent, so that a Temporal activity may retry it:

  ask     the trial of a slot: the trial whose user attr `serflow_slot` is the slot, or a new one.
          A new trial is enqueued with its slot in one storage write (never a RUNNING trial
          without a slot, whenever the process dies), then claimed and sampled parameter by
          parameter in the space's order, define-by-run: a parameter with `when` is sampled
          only if the parameters it names took one of the listed values (conditional spaces);
  report  an intermediate value at a step (a step already reported is ignored by Optuna) and the
          pruner's answer; on a finished trial, no report, and `prune` says whether it was pruned;
  tell    the trial's end (complete with its values, pruned, fail); a finished trial is left as
          it is (skip_if_finished);
  summary every trial (number, slot, state, values, params, intermediate values), the counts per
          state and the best trial(s);
  check   that a sweep's sampler and pruner can be built and its storage opened (before it starts);
  figures Optuna's own plots (optimisation history, parallel coordinates, parameter importances)
          as SVG and PNG, and the importances as data;
  studies every study in the storage (name, trial count), for `serflow dashboard` to find a
          sweep's; a SQLite file that does not exist has none (it is not created);
  kinds   the sampler and pruner kinds it builds: those of foundation/optuna-kinds.json, which
          it checks when it starts (it exits, naming both lists, when they disagree).

Samplers and pruners are not stored by Optuna: every request names them and they are built
anew. A sampler built anew with the same seed would repeat its first draw in every process, so
the samplers that draw from a seed get one per slot, (seed * 1000003 + slot) mod 2**32: a slot's
trial is the same whichever process asks for it. QMC keeps the sweep's seed (its scrambling must
be the same for the whole sequence; the sequence index is kept in the study).
"""
import json
import os
import sys

# The sampler and pruner names serflow offers: one list for the schema, the TypeScript client and this script.
KINDS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "foundation", "optuna-kinds.json")


class BadRequest(Exception):
    pass


def main() -> int:
    check_kinds()
    # Answers go to the real stdout; anything a library prints goes to stderr, not into an answer.
    answers = sys.stdout
    sys.stdout = sys.stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request.get("id")
            operation = OPERATIONS.get(request.get("op"))
            if operation is None:
                raise BadRequest(f"unknown operation {request.get('op')!r} (one of {', '.join(OPERATIONS)})")
            text = json.dumps({"id": request_id, "ok": operation(request)}, allow_nan=False)
        except BadRequest as err:
            text = json.dumps({"id": request_id, "error": str(err), "bad": True})
        except json.JSONDecodeError as err:
            text = json.dumps({"id": request_id, "error": f"the request is not JSON ({err})", "bad": True})
        except Exception as err:  # storage locked past its timeout, a lost connection: retried
            text = json.dumps({"id": request_id, "error": f"{type(err).__name__}: {err}", "bad": False})
        answers.write(text + "\n")
        answers.flush()
    return 0


def _optuna():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def slot_seed(seed: int, slot: int) -> int:
    return (seed * 1000003 + slot) % 2**32


def _tpe(optuna, seed, startup):
    # constant_liar: with trials running at once, TPE does not sample next to a running one.
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True, **startup)


def _gp(optuna, seed, startup):
    # GPSampler imports them only when it first samples, after its startup trials: check now.
    try:
        import scipy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as err:
        raise BadRequest(f"the gp sampler needs PyTorch and SciPy in the serflow venv ({err}); use tpe or cmaes, or pip install torch scipy into it")
    return optuna.samplers.GPSampler(seed=seed, **startup)


# Builders by serflow's name: (optuna, the slot's seed, startup-trial options) -> sampler. QMC
# takes the sweep's own seed instead (build_sampler). Their names must be the samplers of
# foundation/optuna-kinds.json, and those with startup trials its samplersWithStartupTrials.
SAMPLERS = {
    "tpe": _tpe,
    "random": lambda optuna, seed, startup: optuna.samplers.RandomSampler(seed=seed),
    "cmaes": lambda optuna, seed, startup: optuna.samplers.CmaEsSampler(seed=seed, **startup),
    "gp": _gp,
    "qmc": lambda optuna, seed, startup: optuna.samplers.QMCSampler(seed=seed, scramble=True),
    "nsga2": lambda optuna, seed, startup: optuna.samplers.NSGAIISampler(seed=seed),
}

# Builders by serflow's name: (optuna, the pruner's spec) -> pruner; the pruners of foundation/optuna-kinds.json.
PRUNERS = {
    "median": lambda optuna, spec: optuna.pruners.MedianPruner(n_startup_trials=spec.get("startupTrials", 5), n_warmup_steps=spec.get("warmupSteps", 0)),
    "successive-halving": lambda optuna, spec: optuna.pruners.SuccessiveHalvingPruner(min_resource=spec.get("minResource", "auto")),
    "hyperband": lambda optuna, spec: optuna.pruners.HyperbandPruner(min_resource=spec.get("minResource", 1), max_resource=spec.get("maxResource", "auto")),
    "none": lambda optuna, spec: optuna.pruners.NopPruner(),
}


def build_sampler(optuna, spec: dict, slot):
    kind, seed = spec["kind"], spec["seed"]
    if kind not in SAMPLERS:
        raise BadRequest(f"unknown sampler {kind!r} (one of {', '.join(SAMPLERS)})")
    per_slot = seed if slot is None or kind == "qmc" else slot_seed(seed, slot)
    startup = {"n_startup_trials": spec["startupTrials"]} if "startupTrials" in spec else {}
    return SAMPLERS[kind](optuna, per_slot, startup)


def build_pruner(optuna, spec: dict):
    kind = spec["kind"]
    if kind not in PRUNERS:
        raise BadRequest(f"unknown pruner {kind!r} (one of {', '.join(PRUNERS)})")
    return PRUNERS[kind](optuna, spec)


def check_kinds(path: str = KINDS_FILE) -> dict:
    """The kinds of foundation/optuna-kinds.json, after checking that the builders above cover exactly them."""
    with open(path, encoding="utf-8") as f:
        kinds = json.load(f)
    problems = []
    if sorted(kinds["samplers"]) != sorted(SAMPLERS):
        problems.append(f"samplers: the list has {sorted(kinds['samplers'])}, the builders {sorted(SAMPLERS)}")
    if sorted(kinds["pruners"]) != sorted(PRUNERS):
        problems.append(f"pruners: the list has {sorted(kinds['pruners'])}, the builders {sorted(PRUNERS)}")
    if problems:
        raise SystemExit(f"optuna_study.py: {path} and the builders disagree: " + "; ".join(problems) + ". Fix: add the builder, or the name, so that both list the same kinds.")
    return kinds


_STORAGES = {}


def storage_of(optuna, url: str):
    """One storage (one engine, one schema check) per URL for the life of the process."""
    if url not in _STORAGES:
        if url.startswith("sqlite:///"):
            import os

            os.makedirs(os.path.dirname(url[len("sqlite:///"):]) or ".", exist_ok=True)
            # Several worker processes write the same file: wait for its lock rather than fail.
            _STORAGES[url] = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
        else:
            _STORAGES[url] = optuna.storages.RDBStorage(url, heartbeat_interval=None)
    return _STORAGES[url]


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
    """The slot's trial (the first, should a retry racing its first attempt have enqueued two)."""
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("serflow_slot") == slot:
            return t
    return None


def applies(spec: dict, params: dict) -> bool:
    """Whether a conditional parameter is sampled: each parameter it names took a listed value."""
    return all(path in params and params[path] in values for path, values in spec.get("when", {}).items())


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
    TrialState = optuna.trial.TrialState
    t = trial_of_slot(study, slot)
    if t is None:
        study.enqueue_trial({}, user_attrs={"serflow_slot": slot})
        t = trial_of_slot(study, slot)
    if t.state == TrialState.WAITING:
        # False when a racing attempt claimed it first: it is RUNNING either way.
        study._storage.set_trial_state_values(t._trial_id, state=TrialState.RUNNING)
    elif t.state.is_finished():
        return describe(t)
    # What study.ask does after it has a trial; parameters sampled by an earlier attempt keep their values.
    trial = optuna.Trial(study, t._trial_id)
    for path, spec in request["space"].items():
        if applies(spec, trial.params):
            trial._suggest(path, distribution(optuna, spec))
    return describe(study._storage.get_trial(t._trial_id))


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


def op_check(request: dict) -> dict:
    """Before a sweep starts: its sampler and pruner can be built and its storage opened."""
    optuna = _optuna()
    build_sampler(optuna, request["sampler"], 0)
    build_pruner(optuna, request["pruner"])
    try:
        storage_of(optuna, request["storage"])
    except Exception as err:
        raise BadRequest(f"cannot open the Optuna storage {request['storage'].split('@')[-1]} ({type(err).__name__}: {err}); set SERFLOW_OPTUNA_STORAGE to a reachable SQLAlchemy URL, or unset it for the state folder's SQLite file")
    return {}


def op_studies(request: dict) -> dict:
    """Every study in the storage: its name and number of trials."""
    url = request["storage"]
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return {"studies": []}
    optuna = _optuna()
    summaries = optuna.get_all_study_summaries(storage=storage_of(optuna, url), include_best_trial=False)
    return {"studies": [{"name": s.study_name, "trials": s.n_trials} for s in summaries]}


def op_kinds(request: dict) -> dict:
    """The sampler and pruner kinds this script builds (checked against foundation/optuna-kinds.json at start)."""
    return {"samplers": list(SAMPLERS), "pruners": list(PRUNERS)}


OPERATIONS = {"kinds": op_kinds, "check": op_check, "ask": op_ask, "report": op_report, "tell": op_tell, "summary": op_summary, "figures": op_figures, "studies": op_studies}

if __name__ == "__main__":
    sys.exit(main())
