/**
 * Where a sweep's result lives on its MLflow run (written by activities/sweep-activities.ts,
 * read by `serflow report`): the held-out test UAR of its best configuration and the final run's
 * id when the sweep held speakers out, the best configuration and what it was chosen on, and one
 * sentence on how far its test figure can be trusted.
 */
export const SWEEP_RESULT_KEYS = {
  /** Metrics (step 0). */
  heldOutUar: 'holdout/test_uar',
  heldOutWa: 'holdout/test_wa',
  /** The best configuration's test UAR over the sweep's own folds: selected across them, so optimistic. */
  selectedTestUar: 'best/selected_test_uar',
  bestValidation: 'best/objective_validation_uar',
  /** Tags. */
  holdoutRunTag: 'serflow.holdout_run_id',
  holdoutSpeakersTag: 'serflow.holdout_speakers',
  holdoutCellTag: 'serflow.holdout_cell',
  bestConfigurationTag: 'serflow.best_configuration',
  chosenOnTag: 'serflow.best_chosen_on',
  noteTag: 'serflow.best_test_note',
  /** On the final run: the sweep it tested the best configuration of. */
  holdoutOfTag: 'serflow.holdout_of_sweep',
} as const;
