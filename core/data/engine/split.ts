/**
 * The stratified split of the in-memory core (`stratifiedSplit`), computed over typed arrays: the
 * rows of each class come out of DuckDB as one bit string per class, the seeded shuffle runs in JS
 * exactly as the core runs it, and the splits of all rows go back as one bit string, indexed by row
 * number.
 */
import type { DuckDBBitValue, DuckDBConnection } from '@duckdb/node-api';

import type { SplitName } from '../../../common/constants';
import { seededRandom } from '../../util/random';
import { assertClassCounts, assertFractions, splitCounts, type SplitOptions } from '../split';
import { queryRows } from './session';
import { col, compareText, valueLiteral } from './sql';

/** The splits by code: a split code is the index of its split in this list. */
export const SPLIT_CODES: readonly SplitName[] = ['train', 'validation', 'test'];

/** The name given to each row's split code (UTINYINT, an index in {@link SPLIT_CODES}) where it is looked up. */
export const SPLIT_CODE_COLUMN = '__split_code';

/** The one-row temp table whose `codes` bit string holds the split code of row `i` in bits `2i` and `2i + 1`. */
const SPLIT_CODES_TABLE = 'split_codes';

/** One class: its value as stored, its name (the value as a string) and its row count. */
export interface LabelClass {
  value: unknown;
  name: string;
  rows: number;
}

/** The classes of a split, in name order, and its table of per-row split codes. */
export interface SplitTable {
  classes: LabelClass[];
  /** Rows per split. */
  counts: Record<SplitName, number>;
  /**
   * Name of a one-row temp table with one column, `codes`: the split codes of every row, in the
   * source's row order, two bits per row. See {@link splitCodeOf}.
   */
  table: string;
}

/**
 * Assigns every row of `source` (a relation with the 0-based row number of each row as
 * `file_row_number`, as a Parquet scan with row numbers) a split, exactly as
 * `stratifiedSplit` does for the same labels and seed, and stores the codes in the temp table of
 * {@link SplitTable}. Throws `SplitError` before assigning anything when the fractions are invalid or
 * a class has fewer than `MIN_ROWS_PER_CLASS` rows.
 */
export async function assignSplits(
  connection: DuckDBConnection,
  source: string,
  label: string,
  options: SplitOptions,
): Promise<SplitTable> {
  assertFractions(options);
  const classes = await labelClasses(connection, source, label);
  assertClassSizes(classes);

  const splits = shuffleIntoSplits(await rowsByClass(connection, source, label, classes), options);
  await storeSplits(connection, splits);
  const counts = { train: 0, validation: 0, test: 0 };
  for (const code of splits) counts[SPLIT_CODES[code]!]++;
  return { classes, counts, table: SPLIT_CODES_TABLE };
}

/**
 * The split code of the row whose 0-based number is `rowNumber`, in a query that cross-joins the
 * table of {@link SplitTable}: a lookup by position, which keeps the scan parallel and in row order
 * (a positional join runs on one thread; a hash join on the row number loses the order).
 */
export function splitCodeOf(rowNumber: string): string {
  return `(get_bit(codes, 2 * ${rowNumber}::INTEGER) + 2 * get_bit(codes, 2 * ${rowNumber}::INTEGER + 1))::UTINYINT`;
}

async function labelClasses(connection: DuckDBConnection, source: string, label: string): Promise<LabelClass[]> {
  const rows = await queryRows(connection, `SELECT ${col(label)}, count(*) FROM ${source} GROUP BY ALL`);
  const classes = rows.map(([value, count]) => ({ value, name: String(value), rows: Number(count) }));
  return classes.sort((a, b) => compareText(a.name, b.name));
}

/** The rows of every class, ascending, classes one after another in name order, and where each begins. */
interface RowsByClass {
  rows: Uint32Array;
  /** Class `i` holds `rows[starts[i]]` up to, not including, `rows[starts[i + 1]]`. */
  starts: Uint32Array;
}

/**
 * The rows of each class, from one aggregate per class: a bit string with bit `r` set when row `r`
 * holds that class (order-free, so DuckDB computes it in parallel, and one value per class crosses
 * into JavaScript rather than a code per row).
 */
async function rowsByClass(
  connection: DuckDBConnection,
  source: string,
  label: string,
  classes: readonly LabelClass[],
): Promise<RowsByClass> {
  const total = classes.reduce((sum, c) => sum + c.rows, 0);
  const starts = new Uint32Array(classes.length + 1);
  classes.forEach((c, i) => (starts[i + 1] = starts[i]! + c.rows));
  const rows = new Uint32Array(total);
  const masks = classes.map((c) => {
    const holds = `${col(label)} IS NOT DISTINCT FROM ${c.value === null ? 'NULL' : valueLiteral(c.value)}`;
    return `bitstring_agg(file_row_number::BIGINT, 0, ${total - 1}) FILTER (WHERE ${holds})`;
  });
  const [bits = []] = (await connection.runAndReadAll(`SELECT ${masks.join(', ')} FROM ${source}`)).getRows();
  classes.forEach((_, i) => {
    const found = setBits(bits[i] as DuckDBBitValue, rows, starts[i]!);
    if (found !== starts[i + 1]!) throw new Error(`class ${classes[i]!.name}: ${found - starts[i]!} rows found`);
  });
  return { rows, starts };
}

/** Writes the index of every set bit of `bits`, ascending, into `out` from `at`; returns where it stopped. */
function setBits(bits: DuckDBBitValue, out: Uint32Array, at: number): number {
  const { data } = bits;
  const padding = data[0]!;
  let next = at;
  for (let byte = 1; byte < data.length; byte++) {
    // DuckDB's BIT layout: byte 0 counts the padding bits, which lead the first data byte, set to 1.
    const value = byte === 1 ? data[byte]! & (0xff >> padding) : data[byte]!;
    if (value === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if (value & (0x80 >> bit)) out[next++] = (byte - 1) * 8 + bit - padding;
    }
  }
  return next;
}

/**
 * Per class in name order: its rows (ascending) shuffled by one generator shared across classes
 * (Fisher–Yates, as `shuffled`), the first `test` to test, the next `validation` to validation.
 */
function shuffleIntoSplits({ rows, starts }: RowsByClass, options: SplitOptions): Uint8Array {
  const random = seededRandom(options.seed);
  const splits = new Uint8Array(rows.length);
  for (let i = 0; i + 1 < starts.length; i++) {
    const members = rows.subarray(starts[i]!, starts[i + 1]!);
    for (let k = members.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [members[k], members[j]] = [members[j]!, members[k]!];
    }
    const { test, validation } = splitCounts(members.length, options);
    members.forEach((row, k) => (splits[row] = k < test ? 2 : k < test + validation ? 1 : 0));
  }
  return splits;
}

/**
 * Stores the split codes as one bit string, two bits per row (validation, test), bound as a
 * parameter: a single value, where appending a row per code and listing them cost far more.
 */
async function storeSplits(connection: DuckDBConnection, splits: Uint8Array): Promise<void> {
  const bits = Buffer.alloc(2 * splits.length, '0');
  splits.forEach((code, row) => {
    if (code === 1) bits[2 * row] = ONE;
    else if (code === 2) bits[2 * row + 1] = ONE;
  });
  await connection.run(`CREATE TEMP TABLE ${SPLIT_CODES_TABLE} AS SELECT $bits::BIT AS codes`, {
    bits: bits.toString('latin1'),
  });
}

const ONE = '1'.charCodeAt(0);

function assertClassSizes(classes: readonly LabelClass[]): void {
  assertClassCounts(classes.map((c) => ({ class: c.name, count: c.rows })));
}
