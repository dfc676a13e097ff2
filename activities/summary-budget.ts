/**
 * Keeps step summaries small enough to cross Temporal however wide the data is. A summary's
 * per-column parts (types, missing counts, anomalies, Parquet schemas, column roles) grow with the
 * number of columns: on a 3,001-column file they reach 400 KiB per step, and the register step,
 * which receives every summary, would pass Temporal's 2 MiB payload limit on a file ten times wider.
 */
import type { ArtifactStore } from '../artifacts/store';
import type { StepResult } from '../common/contracts';

/** Largest summary, in bytes of JSON, that a step returns as it is. */
export const SUMMARY_BUDGET_BYTES = 32 * 1024;

/** Output name of the artifact that holds the summary fields moved out of a step's result. */
export const SUMMARY_DETAILS_OUTPUT = 'summaryDetails';

/** What stands in a summary for a field moved to the details artifact. */
export interface MovedField {
  readonly movedTo: typeof SUMMARY_DETAILS_OUTPUT;
  /** Bytes of the field's JSON. */
  readonly bytes: number;
}

/**
 * The step result unchanged when its summary fits {@link SUMMARY_BUDGET_BYTES}; otherwise its
 * largest top-level fields, biggest first, are moved into one JSON artifact (output
 * `summaryDetails`, so lineage records it) until the rest fits, each replaced by a {@link MovedField}.
 */
export async function withinSummaryBudget(store: ArtifactStore, result: StepResult): Promise<StepResult> {
  const fields = Object.entries(result.summary).map(([name, value]) => ({ name, value, bytes: jsonBytes(value) }));
  let total = jsonBytes(result.summary);
  if (total <= SUMMARY_BUDGET_BYTES) return result;

  const moved: Record<string, unknown> = {};
  const summary: Record<string, unknown> = { ...result.summary };
  for (const field of [...fields].sort((a, b) => b.bytes - a.bytes)) {
    if (total <= SUMMARY_BUDGET_BYTES) break;
    moved[field.name] = field.value;
    const marker: MovedField = { movedTo: SUMMARY_DETAILS_OUTPUT, bytes: field.bytes };
    summary[field.name] = marker;
    total += jsonBytes(marker) - field.bytes;
  }
  const details = await store.putJson('summaryDetails', moved);
  return { outputs: { ...result.outputs, [SUMMARY_DETAILS_OUTPUT]: details }, summary };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null');
}
