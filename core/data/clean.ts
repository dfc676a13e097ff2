/**
 * The clean step: keeps the columns a run uses, normalises their text and drops rows that have
 * no label. Pure: a frame in, a frame and a report out.
 */
import { decodeHTMLStrict } from 'entities';

import { ROW_ID_COLUMN } from '../../common/constants';
import { SchemaError } from './errors';
import { makeFrame, takeRows, type Cell, type ColumnType, type Frame } from './frame';
import { redactPii, type PiiCounts } from './pii';

/** What to do with rows that miss a feature value. */
export type MissingPolicy = 'keep' | 'drop' | 'flag';

/** Which columns a run uses. `text` is the free-text column, if any; `features` are tabular. */
export interface CleanSpec {
  label: string;
  text?: string;
  features: string[];
  /**
   * Rows with a missing feature: 'keep' (default), 'drop', or 'flag' with a 0/1 `<feature>__isna`
   * column per feature that has a missing value among the kept rows.
   */
  missing?: MissingPolicy;
  /** Replace e-mail addresses, phone numbers and Luhn-valid card numbers in string columns. Default false. */
  redactPii?: boolean;
}

/** Suffix of the 0/1 column that the 'flag' policy adds for a feature with missing values. */
export const ISNA_SUFFIX = '__isna';

/** What {@link cleanFrame} did; counts only, JSON-safe. */
export interface CleanReport {
  rowsIn: number;
  rowsOut: number;
  droppedMissingLabel: number;
  /** Cells of the text column that HTML-entity decoding changed (over all input rows). */
  htmlDecoded: number;
  /** Missing text cells (over the rows kept) that were replaced by the empty string. */
  missingTextFilled: number;
  /** Missing cells per kept column over the rows kept, counted before missing text is filled. */
  missingByColumn: Record<string, number>;
}

/** What {@link cleanFrame}'s configurable rules did, on top of the {@link CleanReport}. */
export interface CleanRulesReport {
  missingPolicy: MissingPolicy;
  /** Rows dropped for a missing feature value (policy 'drop'). */
  droppedMissingFeature: number;
  /** Indicator columns added (policy 'flag'). */
  flaggedColumns: string[];
  /** Redactions per kind over all string columns except the label; all 0 unless `redactPii`. */
  piiRedacted: PiiCounts;
}

const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,7});/g;

/**
 * Cleans `frame` for a run described by `spec`. The output holds exactly the label, the text
 * column and the features, in that order (a name listed twice is kept once), followed by
 * `ROW_ID_COLUMN`: the 0-based index of the row in the input frame, so later steps can always
 * point back at the source row.
 *
 * String cells are trimmed, empty-after-trim becomes missing, and text is put in Unicode NFC.
 * The free-text column keeps its surrounding whitespace (a cell of only whitespace is still
 * missing): whitespace-only differences between texts are found by dedupe's normalised-text
 * pass and reported there, rather than silently turned into exact duplicates here.
 * The text column also has its HTML entities decoded once (`&amp;lt;` becomes `&lt;`, not `<`).
 * Rows with a missing label are dropped; a missing text becomes `''`. Numeric cells are kept as they are.
 * Rows missing a feature are then kept, dropped or flagged (`spec.missing`); with `redactPii`, every
 * string column but the label has e-mail addresses, phone numbers and card numbers replaced
 * ({@link redactPii}). Numbers are not imputed here: standardize fills them with statistics of the
 * training split only, so that no held-out row informs training.
 *
 * Throws {@link SchemaError} naming every spec column the frame lacks, with the available columns.
 */
export function cleanFrame(frame: Frame, spec: CleanSpec): { frame: Frame; report: CleanReport & CleanRulesReport } {
  const names = keptColumns(frame, spec);
  const decoded = { count: 0 };
  const values: Record<string, Cell[]> = {};
  for (const name of names) values[name] = cleanColumn(frame, name, name === spec.text ? decoded : undefined);
  const piiRedacted = redactColumns(frame, values, spec);

  const labelled = values[spec.label]!.flatMap((cell, row) => (cell === null ? [] : [row]));
  const features = spec.features.filter((name) => name !== spec.label && name !== spec.text);
  const keep =
    spec.missing === 'drop' ? labelled.filter((row) => features.every((f) => values[f]![row] !== null)) : labelled;
  const types: Record<string, ColumnType> = { ...pick(frame.types, names), [ROW_ID_COLUMN]: 'number' };
  values[ROW_ID_COLUMN] = Array.from({ length: frame.rowCount }, (_, row) => row);
  const kept = takeRows(makeFrame([...names, ROW_ID_COLUMN], types, values), keep);

  const missingByColumn = Object.fromEntries(names.map((name) => [name, countMissing(kept.values[name]!)]));
  const filled = spec.text === undefined ? kept : fillMissingText(kept, spec.text);
  const { frame: flagged, added } =
    spec.missing === 'flag' ? flagMissing(filled, features) : { frame: filled, added: [] };
  const report = buildReport(frame, flagged, decoded.count, missingByColumn, spec);
  const dropped = {
    droppedMissingLabel: frame.rowCount - labelled.length,
    droppedMissingFeature: labelled.length - keep.length,
  };
  const rules = { missingPolicy: spec.missing ?? 'keep', flaggedColumns: added, piiRedacted };
  return { frame: flagged, report: { ...report, ...dropped, ...rules } };
}

/**
 * HTML entities decoded in one pass: every named entity of the HTML standard (through the
 * `entities` library, semicolon required) and numeric ones. Unknown names and invalid code points
 * (0, surrogates, beyond U+10FFFF) are left as written, so U+FFFD is never produced.
 */
export function decodeHtmlEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (match, body: string) => decodeEntity(match, body) ?? match);
}

function decodeEntity(match: string, body: string): string | undefined {
  if (!body.startsWith('#')) {
    const decoded = decodeHTMLStrict(match);
    return decoded === match ? undefined : decoded;
  }
  const hex = body[1] === 'x' || body[1] === 'X';
  const codePoint = parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
  const valid = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
  return valid ? String.fromCodePoint(codePoint) : undefined;
}

/** The spec's columns in order, each once; fails naming the ones the frame lacks. */
function keptColumns(frame: Frame, spec: CleanSpec): string[] {
  const wanted = [spec.label, ...(spec.text === undefined ? [] : [spec.text]), ...spec.features];
  const names = [...new Set(wanted)];
  const absent = names.filter((name) => !frame.columns.includes(name));
  if (absent.length > 0) {
    throw new SchemaError(
      `column(s) ${absent.map((n) => `"${n}"`).join(', ')} not found; available columns: ${frame.columns.join(', ')}`,
      { missing: absent, available: [...frame.columns] },
    );
  }
  return names;
}

function cleanColumn(frame: Frame, name: string, decoded?: { count: number }): Cell[] {
  const cells = frame.values[name]!;
  if (frame.types[name] !== 'string') return [...cells];
  return cells.map((cell) => (typeof cell === 'string' ? cleanText(cell, decoded) : cell));
}

/**
 * One string cell as clean leaves it: the free-text column has its HTML entities decoded and keeps
 * its surrounding white space; any other string is trimmed; a blank cell is missing (`null`); the
 * result is in Unicode NFC. Prediction applies it to raw records so that they are featurised exactly
 * as the training rows were.
 */
export function cleanCell(cell: string, role: 'text' | 'string'): string | null {
  return cleanText(cell, role === 'text' ? { count: 0 } : undefined);
}

/** Decodes entities (text column only), trims, maps empty to missing and normalises to NFC. */
function cleanText(cell: string, decoded?: { count: number }): string | null {
  let text = cell;
  if (decoded) {
    text = decodeHtmlEntities(cell);
    if (text !== cell) decoded.count++;
  }
  if (text.trim() === '') return null;
  return (decoded ? text : text.trim()).normalize('NFC');
}

/** Redacts PII in place in every string column except the label, when asked; counts per kind. */
function redactColumns(frame: Frame, values: Record<string, Cell[]>, spec: CleanSpec): PiiCounts {
  const counts: PiiCounts = { email: 0, phone: 0, card: 0 };
  if (!spec.redactPii) return counts;
  for (const [name, cells] of Object.entries(values)) {
    if (name === spec.label || frame.types[name] !== 'string') continue;
    values[name] = cells.map((cell) => (typeof cell === 'string' ? redactPii(cell, counts) : cell));
  }
  return counts;
}

/** Adds a 0/1 `<feature>__isna` column after the others for each feature with a missing cell. */
function flagMissing(frame: Frame, features: readonly string[]): { frame: Frame; added: string[] } {
  const flagged = features.filter((name) => frame.values[name]!.some((cell) => cell === null));
  const added = flagged.map((name) => name + ISNA_SUFFIX);
  const types = { ...frame.types, ...Object.fromEntries(added.map((name) => [name, 'number' as const])) };
  const values: Record<string, readonly Cell[]> = { ...frame.values };
  flagged.forEach((name, i) => (values[added[i]!] = frame.values[name]!.map((cell) => (cell === null ? 1 : 0))));
  return { frame: makeFrame([...frame.columns, ...added], types, values), added };
}

function fillMissingText(frame: Frame, text: string): Frame {
  const cells = frame.values[text]!.map((cell) => (cell === null ? '' : String(cell)));
  return makeFrame(frame.columns, { ...frame.types, [text]: 'string' }, { ...frame.values, [text]: cells });
}

function pick<T>(record: Readonly<Record<string, T>>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.map((name) => [name, record[name]!]));
}

function countMissing(cells: readonly Cell[]): number {
  return cells.reduce<number>((count, cell) => count + (cell === null ? 1 : 0), 0);
}

function buildReport(
  input: Frame,
  output: Frame,
  htmlDecoded: number,
  missingByColumn: Record<string, number>,
  spec: CleanSpec,
): Omit<CleanReport, 'droppedMissingLabel'> {
  return {
    rowsIn: input.rowCount,
    rowsOut: output.rowCount,
    htmlDecoded,
    missingTextFilled: spec.text === undefined ? 0 : (missingByColumn[spec.text] ?? 0),
    missingByColumn,
  };
}
