/**
 * The transfer set as it travels from `loadTeacher` to `distill`: augmented rows appended to the
 * teacher-logits frame. An original row has no augmented text; an augmented row carries its text,
 * the `__row_id` of the training row it was made from (whose tabular values it shares), and the
 * teacher's logits for the perturbed text.
 *
 * The teacher step builds it with {@link planTransferSet} (which texts to embed) and
 * {@link appendTransferRows} (the frame it writes); `distill` reads it with {@link readTransferRows}.
 */
import { column, makeFrame, type Cell, type Frame } from '../../data/frame';
import { augmentTexts, type AugmentationOptions } from './augment';

/** Column of the perturbed text; null on original rows. */
export const AUGMENTED_TEXT_COLUMN = '__augmented_text';
/** Column of the source row's `__row_id`; null on original rows. */
export const SOURCE_ROW_COLUMN = '__source_row_id';

/** Texts for the teacher to label, each with the row id of its source training row. */
export interface TransferPlan {
  readonly texts: readonly string[];
  readonly sourceRowIds: readonly number[];
  /** Index of each text's source row in the frame the plan was made from. */
  readonly sourceRows: readonly number[];
}

/**
 * Augments the texts of the given training rows; empty when `options.copies` is 0.
 * @param rowIds `__row_id` of every row of the frame, by row index
 */
export function planTransferSet(
  trainRows: readonly number[],
  texts: readonly string[],
  rowIds: readonly number[],
  options: AugmentationOptions,
  seed: number,
): TransferPlan {
  if (options.copies === 0) return { texts: [], sourceRowIds: [], sourceRows: [] };
  const augmented = augmentTexts(
    trainRows.map((r) => texts[r]!),
    options,
    seed,
  );
  const sourceRows = augmented.sources.map((i) => trainRows[i]!);
  return { texts: augmented.texts, sourceRowIds: sourceRows.map((r) => rowIds[r]!), sourceRows };
}

/** The teacher-logits frame with one row per planned text appended (logits in `logit_k` columns). */
export function appendTransferRows(
  logits: Frame,
  plan: TransferPlan,
  transferLogits: readonly ArrayLike<number>[],
): Frame {
  if (plan.texts.length === 0) return logits;
  const columns = [...logits.columns, AUGMENTED_TEXT_COLUMN, SOURCE_ROW_COLUMN];
  const types = { ...logits.types, [AUGMENTED_TEXT_COLUMN]: 'string' as const, [SOURCE_ROW_COLUMN]: 'number' as const };
  const blanks = (n: number) => new Array<Cell>(n).fill(null);
  const values: Record<string, Cell[]> = {};
  for (const name of logits.columns) {
    const k = name.startsWith('logit_') ? Number(name.slice('logit_'.length)) : -1;
    const appended = k >= 0 ? transferLogits.map((l) => l[k]!) : blanks(plan.texts.length);
    values[name] = [...column(logits, name), ...appended];
  }
  values[AUGMENTED_TEXT_COLUMN] = [...blanks(logits.rowCount), ...plan.texts];
  values[SOURCE_ROW_COLUMN] = [...blanks(logits.rowCount), ...plan.sourceRowIds];
  return makeFrame(columns, types, values);
}

/** One teacher-labelled transfer row as `distill` reads it. */
export interface TransferRow {
  readonly text: string;
  readonly sourceRowId: number;
  readonly logits: Float32Array;
}

/** Splits a teacher-logits frame into the original rows' logits (in order) and the transfer rows. */
export function readTransferRows(
  logits: Frame,
  classes: number,
): { original: Float32Array[]; transfer: TransferRow[] } {
  const logitColumns = Array.from({ length: classes }, (_, k) => column(logits, `logit_${k}`));
  const rowLogits = (r: number) => Float32Array.from(logitColumns, (c) => Number(c[r]));
  const texts = logits.columns.includes(AUGMENTED_TEXT_COLUMN) ? column(logits, AUGMENTED_TEXT_COLUMN) : [];
  const sources = logits.columns.includes(SOURCE_ROW_COLUMN) ? column(logits, SOURCE_ROW_COLUMN) : [];
  const original: Float32Array[] = [];
  const transfer: TransferRow[] = [];
  for (let r = 0; r < logits.rowCount; r++) {
    const text = texts[r];
    if (text === null || text === undefined) original.push(rowLogits(r));
    else transfer.push({ text: String(text), sourceRowId: Number(sources[r]), logits: rowLogits(r) });
  }
  return { original, transfer };
}
