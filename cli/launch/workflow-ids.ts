/** Deterministic workflow ids: launching the same config twice attaches to the same execution. */
export function experimentWorkflowId(name: string, configHash: string): string {
  return `experiment-${name}-${configHash.slice(0, 12)}`;
}

export function sweepWorkflowId(sweepId: string): string {
  return `sweep-${sweepId}`;
}
