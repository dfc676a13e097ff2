/** Helpers that read the prepared (standardized) frame for the training and evaluation steps. */
import { ROW_ID_COLUMN, SPLIT_COLUMN, type SplitName } from '../common/constants';
import type { PipelineConfig } from '../common/config';
import type { PreparedTransform } from '../core/bundle';
import { column, type Frame } from '../core/data/frame';

/** One column of a Parquet artifact's schema, as recorded in the step's summary (and so in lineage). */
export interface SchemaColumn {
  name: string;
  type: 'VARCHAR' | 'DOUBLE';
}

/** The schema of the Parquet file `writeFrame` makes of `frame`: its columns, in order. */
export function frameSchema(frame: Frame): SchemaColumn[] {
  return frame.columns.map((name) => ({ name, type: frame.types[name] === 'number' ? 'DOUBLE' : 'VARCHAR' }));
}

/** Row indices of one split, in row order. */
export function rowsOfSplit(frame: Frame, split: SplitName): number[] {
  const splits = column(frame, SPLIT_COLUMN);
  const rows: number[] = [];
  splits.forEach((s, i) => s === split && rows.push(i));
  return rows;
}

/** The numeric columns of a standardized frame that may serve as tabular features. */
export function tabularColumns(frame: Frame, config: PipelineConfig): string[] {
  const reserved = new Set([config.label, config.text, ROW_ID_COLUMN, SPLIT_COLUMN]);
  return frame.columns.filter((c) => !reserved.has(c) && frame.types[c] === 'number');
}

/** Row-major matrix of the given numeric columns (missing as 0, which is the training mean after scaling). */
export function tabularMatrix(frame: Frame, names: readonly string[], rows: readonly number[]): number[][] {
  const columns = names.map((n) => column(frame, n));
  return rows.map((r) => columns.map((c) => Number(c[r] ?? 0)));
}

/** The label of every row as a class index. */
export function labelIndices(frame: Frame, transform: PreparedTransform, rows: readonly number[]): number[] {
  const index = new Map(transform.labels.map((l, i) => [l, i] as const));
  const labels = column(frame, transform.label);
  return rows.map((r) => index.get(String(labels[r])) ?? -1);
}

/** The text of every row ('' when the run has no text column). */
export function textsOf(frame: Frame, transform: PreparedTransform, rows: readonly number[]): string[] {
  if (!transform.text) return rows.map(() => '');
  const texts = column(frame, transform.text);
  return rows.map((r) => String(texts[r] ?? ''));
}

export type { FeatureSelection, PreparedTransform } from '../core/bundle';
