/**
 * What kind of MLflow experiment serflow's are. MLflow 3.x's UI reads the experiment tag
 * `mlflow.experimentKind` and opens an experiment without one in its GenAI view (a traces
 * overview that stays empty for serflow); `custom_model_development` is its training kind, whose
 * first page is the runs table. Set on every experiment serflow creates or reuses.
 */
export const TRAINING_EXPERIMENT_TAGS: Readonly<Record<string, string>> = { 'mlflow.experimentKind': 'custom_model_development' };
