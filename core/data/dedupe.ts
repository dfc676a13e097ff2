/**
 * The dedupe step: removes exact duplicate rows, then rows whose text repeats after light
 * normalisation, resolving label conflicts among such repeats by majority.
 */
import { ROW_ID_COLUMN } from '../../common/constants';
import { takeRows, type Cell, type Frame } from './frame';

/** Which columns carry the label and (optionally) the free text. */
export interface DedupeSpec {
  label: string;
  text?: string;
}

/** A group of rows sharing one normalised text but carrying different labels. */
export interface DedupeConflict {
  /** The normalised text, cut to 80 characters. */
  text: string;
  /** How many rows of the group carry each label. */
  labels: Record<string, number>;
  /** Rows in the group. */
  rows: number;
}

/** What {@link dedupeFrame} removed and why; JSON-safe. */
export interface DedupeReport {
  rowsIn: number;
  exactDuplicates: number;
  normalizedDuplicates: number;
  conflictingGroups: number;
  /** The first {@link MAX_LISTED_CONFLICTS} conflicting groups, in order of first occurrence. */
  conflicts: DedupeConflict[];
  rowsOut: number;
}

/** At most this many conflicting groups are listed in a report. */
export const MAX_LISTED_CONFLICTS = 20;
const CONFLICT_TEXT_LENGTH = 80;

/**
 * Removes duplicates from `frame` in two stages. First exact duplicates: rows equal in every
 * column except `ROW_ID_COLUMN`; the first occurrence stays. Then, when `spec.text` is given,
 * rows whose text is equal after {@link normalizeForDedupe}: one row per group stays. When the
 * group's labels differ, the majority label wins (a tie goes to the label seen first) and the
 * first row carrying it is kept; the group is reported as a conflict. Surviving rows keep their
 * original order.
 */
export function dedupeFrame(frame: Frame, spec: DedupeSpec): { frame: Frame; report: DedupeReport } {
  const afterExact = firstOfEachKey(frame, exactKeys(frame));
  const groups = spec.text === undefined ? undefined : groupByText(frame, afterExact, spec.text);
  const resolved = groups ? resolveGroups(frame, groups, spec.label) : { keep: afterExact, conflicts: [] };

  const keep = [...resolved.keep].sort((a, b) => a - b);
  const report: DedupeReport = {
    rowsIn: frame.rowCount,
    exactDuplicates: frame.rowCount - afterExact.length,
    normalizedDuplicates: afterExact.length - keep.length,
    conflictingGroups: resolved.conflicts.length,
    conflicts: resolved.conflicts.slice(0, MAX_LISTED_CONFLICTS),
    rowsOut: keep.length,
  };
  return { frame: takeRows(frame, keep), report };
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

function resolveGroups(
  frame: Frame,
  groups: Map<string, number[]>,
  label: string,
): { keep: number[]; conflicts: DedupeConflict[] } {
  const labels = frame.values[label]!;
  const keep: number[] = [];
  const conflicts: DedupeConflict[] = [];
  for (const [text, rows] of groups) {
    const counts = labelCounts(rows, labels);
    const winner = majorityLabel(counts);
    keep.push(rows.find((row) => cellText(labels[row]) === winner)!);
    if (counts.size > 1) {
      const byLabel = Object.fromEntries(counts);
      conflicts.push({ text: text.slice(0, CONFLICT_TEXT_LENGTH), labels: byLabel, rows: rows.length });
    }
  }
  return { keep, conflicts };
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
