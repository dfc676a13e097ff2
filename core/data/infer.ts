/**
 * Column type inference over the whole column, shared by every file format: a column is numeric
 * only when every non-missing cell is a plain finite number, and identifiers (integers beyond
 * 2^53, zero-padded codes, columns named like an ID, row counters) stay exact text.
 */
import type { Cell, ColumnType } from './frame';

/** How numbers are written in the file. Both default to the plain form (`1234.5`). */
export interface NumberFormat {
  /** Decimal separator: `'.'` (default) or `','`. */
  decimal?: string;
  /** Thousands separator removed before parsing, e.g. `','`, `'.'`, `' '`, `"'"`. Default: none. */
  thousands?: string;
}

/** Why a column was kept as text and set apart from the features. */
export type IdentifierReason = 'beyond 2^53' | 'leading zeros' | 'named as an identifier' | 'row index';

/** A column recognised as an identifier: exact text, never offered as a feature by default. */
export interface IdentifierColumn {
  name: string;
  reason: IdentifierReason;
}

/** A parsed column and, when it is an identifier, why. */
export interface ParsedColumn {
  type: ColumnType;
  cells: Cell[];
  identifier?: IdentifierReason;
}

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER_PATTERN = /^[+-]?\d+$/;
const ZERO_PADDED = /^[+-]?0\d/;
const TWO_TO_53 = '9007199254740992';
const ID_WORDS = new Set(['id', 'uuid', 'guid', 'identifier']);

/**
 * Infers the type of one column from its text cells (`null` is missing). Numbers are parsed with
 * `format`; a column is `'number'` when every present cell parses. Integer columns that are
 * identifiers are kept as exact text and flagged: any integer beyond 2^53 or with a leading zero,
 * a column whose name holds the word "id" (`id`, `Clothing ID`, `user_id`, `customerId`), and,
 * when the header gave the column no name (`unnamed`), a row counter: integers forming one
 * consecutive run in file order (pandas' `to_csv` index column).
 * A text column named as an identifier whose present values are all distinct is flagged too.
 */
export function inferColumn(
  name: string,
  cells: readonly (string | null)[],
  format: NumberFormat = {},
  unnamed = false,
): ParsedColumn {
  const present = cells.filter((cell): cell is string => cell !== null).map((cell) => cell.trim());
  const plain = present.map((cell) => toPlainNumber(cell, format));
  const text = { type: 'string' as const, cells: [...cells] };
  if (present.length === 0) return text;
  if (!plain.every((cell): cell is string => cell !== undefined && isFiniteNumber(cell))) {
    return namedAsIdentifier(name) && new Set(present).size === present.length
      ? { ...text, identifier: 'named as an identifier' }
      : text;
  }

  const identifier = integerIdentifier(name, plain, unnamed);
  if (identifier) return { ...text, identifier };
  const numbers = new Map(present.map((cell, i) => [cell, Number(plain[i])]));
  return { type: 'number', cells: cells.map((cell) => (cell === null ? null : numbers.get(cell.trim())!)) };
}

/** Whether a column name holds the word "id" (or uuid, guid), split on separators and camelCase. */
export function namedAsIdentifier(name: string): boolean {
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => ID_WORDS.has(word));
}

/** The cell rewritten as a plain number (`1.234,5` → `1234.5` under `{decimal: ',', thousands: '.'}`). */
function toPlainNumber(cell: string, format: NumberFormat): string | undefined {
  let text = format.thousands ? stripThousands(cell, format.thousands) : cell;
  if (text === undefined) return undefined;
  if (format.decimal && format.decimal !== '.') {
    if (text.includes('.')) return undefined;
    text = text.split(format.decimal).join('.');
  }
  return NUMBER_PATTERN.test(text) ? text : undefined;
}

/** Removes thousands separators only where they group digits by three (`1,234,567`), else gives up. */
function stripThousands(text: string, separator: string): string | undefined {
  if (!text.includes(separator)) return text;
  const groups = text.replace(/^[+-]/, '').split(separator);
  const last = groups[groups.length - 1]!;
  const grouped = /^\d{1,3}$/.test(groups[0]!) && groups.slice(1, -1).every((g) => /^\d{3}$/.test(g));
  return grouped && /^\d{3}(\D|$)/.test(last) ? text.split(separator).join('') : undefined;
}

function isFiniteNumber(text: string): boolean {
  return Number.isFinite(Number(text));
}

function integerIdentifier(name: string, plain: readonly string[], unnamed: boolean): IdentifierReason | undefined {
  if (!plain.every((cell) => INTEGER_PATTERN.test(cell))) return undefined;
  if (plain.some((cell) => ZERO_PADDED.test(cell))) return 'leading zeros';
  if (plain.some((cell) => beyondTwoTo53(cell.replace(/^[+-]/, '')))) return 'beyond 2^53';
  if (namedAsIdentifier(name)) return 'named as an identifier';
  return unnamed && isRowIndex(plain) ? 'row index' : undefined;
}

/** All-distinct integers forming one consecutive run, in file order (0, 1, 2, … or 1, 2, 3, …). */
function isRowIndex(plain: readonly string[]): boolean {
  if (plain.length < 3) return false;
  const values = plain.map(Number);
  return values.every((x, i) => i === 0 || x === values[i - 1]! + 1);
}

/** Whether the decimal digits exceed 2^53, compared as text to avoid rounding. */
function beyondTwoTo53(digits: string): boolean {
  const trimmed = digits.replace(/^0+/, '');
  return trimmed.length > TWO_TO_53.length || (trimmed.length === TWO_TO_53.length && trimmed > TWO_TO_53);
}
