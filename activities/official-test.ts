/**
 * Data published with its own test file (`config.testDataPath`): how the data steps keep the two
 * files apart. `clean` concatenates them and marks each row's source in {@link SOURCE_COLUMN};
 * `dedupe` removes repeats within each file and reports the texts the two files share; `standardize`
 * sends the test file's rows to the test split and carves validation from the main file only.
 */
import { ROW_ID_COLUMN } from '../common/constants';
import { dedupeFrame, normalizeForDedupe, type DedupeConflict, type DedupeSpec } from '../core/data/dedupe';
import { SchemaError } from '../core/data/errors';
import { column, makeFrame, takeRows, withColumn, type Cell, type ColumnType, type Frame } from '../core/data/frame';

/** Column naming the file a row came from: `'main'` (dataPath) or `'test'` (testDataPath). */
export const SOURCE_COLUMN = '__source';
export type RowSource = 'main' | 'test';

/** At most this many cross-file duplicates are listed in the dedupe report. */
export const MAX_LISTED_CROSS_FILE = 20;

/**
 * The main file's rows followed by the test file's. Both must have the same columns; a column may
 * have different types only where one file has no value in it at all.
 * @throws SchemaError naming the columns one file lacks, or a column typed differently.
 */
export function concatFrames(main: Frame, test: Frame): Frame {
  const missing = (a: Frame, b: Frame) => a.columns.filter((c) => !b.columns.includes(c));
  const onlyMain = missing(main, test);
  const onlyTest = missing(test, main);
  if (onlyMain.length > 0 || onlyTest.length > 0) {
    throw new SchemaError('the test file and the data file must have the same columns', { onlyMain, onlyTest });
  }
  const types: Record<string, ColumnType> = {};
  const values: Record<string, Cell[]> = {};
  for (const name of main.columns) {
    types[name] = commonType(name, main, test);
    values[name] = [...column(main, name), ...column(test, name)];
  }
  return makeFrame(main.columns, types, values);
}

function commonType(name: string, main: Frame, test: Frame): ColumnType {
  const [a, b] = [main.types[name]!, test.types[name]!];
  if (a === b) return a;
  const empty = (frame: Frame) => column(frame, name).every((cell) => cell === null);
  if (empty(test)) return a;
  if (empty(main)) return b;
  throw new SchemaError(`column "${name}" is ${a} in the data file but ${b} in the test file`, {
    column: name,
    mainType: a,
    testType: b,
  });
}

/** Marks each cleaned row's source from its row id (the row's index in the concatenated input). */
export function withSource(cleaned: Frame, mainRows: number): Frame {
  const sources = column(cleaned, ROW_ID_COLUMN).map((id): RowSource => (Number(id) < mainRows ? 'main' : 'test'));
  return withColumn(cleaned, SOURCE_COLUMN, 'string', sources);
}

/** Whether each row comes from the test file. */
export function testRowMask(frame: Frame): boolean[] {
  return column(frame, SOURCE_COLUMN).map((s) => s === 'test');
}

/** The frame without the named columns. */
export function withoutColumns(frame: Frame, names: readonly string[]): Frame {
  const kept = frame.columns.filter((c) => !names.includes(c));
  const pick = <T>(record: Readonly<Record<string, T>>) => Object.fromEntries(kept.map((n) => [n, record[n]!]));
  return makeFrame(kept, pick(frame.types), pick(frame.values));
}

/** A row of the main file whose content repeats a row of the test file. */
export interface CrossFileDuplicate {
  readonly mainRowId: number;
  readonly testRowId: number;
  readonly mainLabel: string;
  readonly testLabel: string;
  /** The normalised text (or the row's values), cut to 80 characters. */
  readonly key: string;
}

/**
 * Dedupes each file on its own (every pass of {@link dedupeFrame}), then drops the main-file rows
 * whose text (normalised; without a text column, every value) repeats a test-file row: the test file
 * stays as published, and no test row is also trained on. Every such drop is counted and the first
 * {@link MAX_LISTED_CROSS_FILE} are listed; `labelsDiffer` counts those whose labels disagree.
 */
export function dedupeTwoFiles(frame: Frame, spec: DedupeSpec) {
  const isTest = testRowMask(frame);
  const part = (test: boolean) => takeRows(frame, isTest.flatMap((t, row) => (t === test ? [row] : [])));
  const main = dedupeFrame(part(false), spec);
  const test = dedupeFrame(part(true), spec);
  const testKeys = new Map<string, number>();
  for (let row = 0; row < test.frame.rowCount; row++) testKeys.set(contentKey(test.frame, row, spec), row);
  const duplicates: CrossFileDuplicate[] = [];
  const keptMain: number[] = [];
  for (let row = 0; row < main.frame.rowCount; row++) {
    const key = contentKey(main.frame, row, spec);
    const testRow = testKeys.get(key);
    if (testRow === undefined) keptMain.push(row);
    else duplicates.push(describe(main.frame, row, test.frame, testRow, key, spec.label));
  }
  const kept = concatFrames(takeRows(main.frame, keptMain), test.frame);
  const crossFile = {
    removedFrom: 'main' as const,
    duplicates: duplicates.length,
    labelsDiffer: duplicates.filter((d) => d.mainLabel !== d.testLabel).length,
    listed: duplicates.slice(0, MAX_LISTED_CROSS_FILE),
  };
  return { frame: kept, report: mergeReports(main.report, test.report, crossFile, kept.rowCount) };
}

function contentKey(frame: Frame, row: number, spec: DedupeSpec): string {
  if (spec.text !== undefined) return normalizeForDedupe(String(column(frame, spec.text)[row] ?? ''));
  const names = frame.columns.filter((c) => c !== ROW_ID_COLUMN && c !== SOURCE_COLUMN);
  return JSON.stringify(names.map((n) => column(frame, n)[row]));
}

function describe(main: Frame, row: number, test: Frame, testRow: number, key: string, label: string) {
  return {
    mainRowId: Number(column(main, ROW_ID_COLUMN)[row]),
    testRowId: Number(column(test, ROW_ID_COLUMN)[testRow]),
    mainLabel: String(column(main, label)[row]),
    testLabel: String(column(test, label)[testRow]),
    key: key.slice(0, 80),
  };
}

type Report = ReturnType<typeof dedupeFrame>['report'];

function mergeReports(main: Report, test: Report, crossFile: object, rowsOut: number) {
  const sum = (key: 'rowsIn' | 'exactDuplicates' | 'normalizedDuplicates' | 'nearDuplicates' | 'conflictingGroups') =>
    main[key] + test[key];
  const conflicts: DedupeConflict[] = [...main.conflicts, ...test.conflicts];
  return {
    rowsIn: sum('rowsIn'),
    exactDuplicates: sum('exactDuplicates'),
    normalizedDuplicates: sum('normalizedDuplicates'),
    nearDuplicates: sum('nearDuplicates'),
    policy: main.policy,
    conflictingGroups: sum('conflictingGroups'),
    conflicts,
    bySource: { main, test },
    crossFile,
    rowsOut,
  };
}
