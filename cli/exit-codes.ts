/** Exit codes of the serflow command, for scripts. */
export const ExitCode = {
  ok: 0,
  /** The work failed (a workflow failed, a server is unhealthy). */
  failed: 1,
  /** The command line or a config file is wrong. */
  badInput: 2,
  /** The stack (Temporal, MLflow) is not reachable or could not start. */
  stackUnavailable: 3,
  /** The workflow was cancelled or terminated. */
  cancelled: 4,
  /** This command was interrupted (SIGINT, SIGTERM) while following; the workflow lives on. */
  interrupted: 130,
} as const;
