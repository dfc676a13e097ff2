/**
 * The dedupe step: removes exact duplicate rows, then rows whose text repeats after light
 * normalisation, then (optionally) near-duplicate texts found by MinHash/LSH. Groups of repeats
 * that carry different labels are resolved by a stated policy and listed in the report.
 */
import { ROW_ID_COLUMN } from '../../common/constants';
import { takeRows, type Cell, type Frame } from './frame';
import { nearDuplicateGroups, type MinHashOptions } from './minhash';

/** How a group of duplicates with different labels is resolved. */
export type ConflictPolicy = 'majority' | 'drop' | 'keep';

/** Which columns carry the label and (optionally) the free text, and how to resolve conflicts. */
export interface DedupeSpec {
  label: string;
  text?: string;
  /**
   * `'majority'` (default): keep one row, of the most frequent label (a tie goes to the label seen
   * first); `'drop'`: drop every row of the group, as its label cannot be trusted; `'keep'`: keep
   * the first row of each label, leaving the conflict in the data.
   */
  policy?: ConflictPolicy;
  /** When set, a third pass links texts whose word-shingle Jaccard similarity reaches the threshold. */
  near?: MinHashOptions;
}

/** The pass of {@link dedupeFrame} that found a group. */
export type DedupeStage = 'normalized' | 'near';

/** A group of rows that repeat one text but carry different labels, and what was kept. */
export interface DedupeConflict {
  stage: DedupeStage;
  /** The normalised text of the group's first row, cut to 80 characters. */
  text: string;
  /** How many rows of the group carry each label. */
  labels: Record<string, number>;
  /** Rows in the group. */
  rows: number;
  /** Row ids (`ROW_ID_COLUMN`, else the row position) of the rows kept; empty under `'drop'`. */
  kept: number[];
}

/** What {@link dedupeFrame} removed and why; JSON-safe. */
export interface DedupeReport {
  rowsIn: number;
  exactDuplicates: number;
  normalizedDuplicates: number;
  /** Rows removed by the MinHash pass (0 when it is off). */
  nearDuplicates: number;
  policy: ConflictPolicy;
  conflictingGroups: number;
  /** The first {@link MAX_LISTED_CONFLICTS} conflicting groups, in order of stage, then first occurrence. */
  conflicts: DedupeConflict[];
  rowsOut: number;
}

/** At most this many conflicting groups are listed in a report. */
export const MAX_LISTED_CONFLICTS = 20;
const CONFLICT_TEXT_LENGTH = 80;

/**
 * Removes duplicates from `frame` in up to three passes. First exact duplicates: rows equal in
 * every column except `ROW_ID_COLUMN`; the first occurrence stays. Then, when `spec.text` is
 * given, rows whose text is equal after {@link normalizeForDedupe}; then, when `spec.near` is
 * given, rows whose texts are near-duplicates ({@link nearDuplicateGroups}). In the last two
 * passes a group whose rows all share a label keeps its first row; a group with different labels
 * is resolved by `spec.policy` and reported. Surviving rows keep their original order.
 */
export function dedupeFrame(frame: Frame, spec: DedupeSpec): { frame: Frame; report: DedupeReport } {
  const policy = spec.policy ?? 'majority';
  const afterExact = firstOfEachKey(frame, exactKeys(frame));
  const conflicts: DedupeConflict[] = [];
  let kept = afterExact;
  let afterNormalized = afterExact;
  if (spec.text !== undefined) {
    const context: Resolution = { frame, label: spec.label, text: spec.text, policy, conflicts };
    afterNormalized = resolve(context, groupByText(frame, afterExact, spec.text), 'normalized');
    kept = afterNormalized;
    if (spec.near) {
      const texts = afterNormalized.map((row) => cellText(frame.values[spec.text!]![row]));
      const linked = nearDuplicateGroups(texts, spec.near).map((group) => group.map((i) => afterNormalized[i]!));
      kept = resolve(context, withSingletons(afterNormalized, linked), 'near');
    }
  }

  const report: DedupeReport = {
    rowsIn: frame.rowCount,
    exactDuplicates: frame.rowCount - afterExact.length,
    normalizedDuplicates: afterExact.length - afterNormalized.length,
    nearDuplicates: afterNormalized.length - kept.length,
    policy,
    conflictingGroups: conflicts.length,
    conflicts: conflicts.slice(0, MAX_LISTED_CONFLICTS),
    rowsOut: kept.length,
  };
  return { frame: takeRows(frame, kept), report };
}

/** The text key of the second stage: lower case, runs of whitespace as one space, trimmed. */
export function normalizeForDedupe(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** One string per row identifying its content (every column except the row id). */
function exactKeys(frame: Frame): string[] {
  const columns = frame.columns.filter((name) => name !== ROW_ID_COLUMN).map((name) => frame.values[name]!);
  return Array.from({ length: frame.rowCount }, (_, row) => JSON.stringify(columns.map((cells) => cells[row])));
}

function firstOfEachKey(frame: Frame, keys: readonly string[]): number[] {
  const seen = new Set<string>();
  const keep: number[] = [];
  for (let row = 0; row < frame.rowCount; row++) {
    const key = keys[row]!;
    if (!seen.has(key)) keep.push(row);
    seen.add(key);
  }
  return keep;
}

/** Rows (in order) grouped by normalised text; a missing text is its own key, `''`. */
function groupByText(frame: Frame, rows: readonly number[], text: string): Map<string, number[]> {
  const cells = frame.values[text]!;
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    const key = normalizeForDedupe(cellText(cells[row]));
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** Groups keyed by their first row, in row order, including rows linked to no other. */
function withSingletons(rows: readonly number[], linked: readonly number[][]): Map<string, number[]> {
  const grouped = new Map<number, number[]>(linked.map((group) => [group[0]!, group]));
  const member = new Set(linked.flat());
  const groups = new Map<string, number[]>();
  for (const row of rows) {
    if (grouped.has(row)) groups.set(String(row), grouped.get(row)!);
    else if (!member.has(row)) groups.set(String(row), [row]);
  }
  return groups;
}

interface Resolution {
  frame: Frame;
  label: string;
  text: string;
  policy: ConflictPolicy;
  /** Conflicting groups found so far, appended to by each pass. */
  conflicts: DedupeConflict[];
}

/** Rows kept after resolving every group (sorted); conflicting groups are appended to `conflicts`. */
function resolve(context: Resolution, groups: Map<string, number[]>, stage: DedupeStage): number[] {
  const labels = context.frame.values[context.label]!;
  const keep: number[] = [];
  for (const rows of groups.values()) {
    const counts = labelCounts(rows, labels);
    const kept = counts.size > 1 ? keptRows(rows, labels, counts, context.policy) : [rows[0]!];
    keep.push(...kept);
    if (counts.size > 1) context.conflicts.push(describeConflict(context, stage, rows, counts, kept));
  }
  return keep.sort((a, b) => a - b);
}

function keptRows(
  rows: readonly number[],
  labels: readonly Cell[],
  counts: ReadonlyMap<string, number>,
  policy: ConflictPolicy,
): number[] {
  if (policy === 'drop') return [];
  const winners = policy === 'keep' ? [...counts.keys()] : [majorityLabel(counts)];
  return winners.map((winner) => rows.find((row) => cellText(labels[row]) === winner)!).sort((a, b) => a - b);
}

function describeConflict(
  { frame, text: textColumn }: Resolution,
  stage: DedupeStage,
  rows: readonly number[],
  counts: ReadonlyMap<string, number>,
  kept: readonly number[],
): DedupeConflict {
  const text = normalizeForDedupe(cellText(frame.values[textColumn]![rows[0]!])).slice(0, CONFLICT_TEXT_LENGTH);
  const ids = frame.values[ROW_ID_COLUMN];
  const rowId = (row: number): number => (ids ? Number(ids[row]) : row);
  return { stage, text, labels: Object.fromEntries(counts), rows: rows.length, kept: kept.map(rowId) };
}

/** Rows per label, in order of each label's first appearance in the group. */
function labelCounts(rows: readonly number[], labels: readonly Cell[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const value = cellText(labels[row]);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/** The most frequent label; a tie goes to the label that appears first in the group. */
function majorityLabel(counts: ReadonlyMap<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const [value, count] of counts) {
    if (count > bestCount) [best, bestCount] = [value, count];
  }
  return best;
}

function cellText(cell: Cell | undefined): string {
  return cell === null || cell === undefined ? '' : String(cell);
}
