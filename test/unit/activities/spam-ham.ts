/**
 * A tiny spam/ham CSV whose every step result can be counted by hand: 54 distinct messages
 * (24 spam, 30 ham), 3 exact repeats, 2 repeats that differ only in case or spacing, one
 * message with an HTML entity and one row without a label, 60 rows in all.
 */
import { writeFileSync } from 'node:fs';

/** One row of the file, before quoting. */
export interface SpamHamRow {
  readonly label: string;
  readonly text: string;
  readonly len: number;
  readonly channel: 'sms' | 'email';
  /** Always 1: the constant column that feature selection must exclude. */
  readonly version: number;
}

/** Counts the file is built to produce; the tests compare the steps' reports with them. */
export const SPAM_HAM = {
  rows: 60,
  spam: 24,
  ham: 30,
  missingLabel: 1,
  htmlEntities: 1,
  exactDuplicates: 3,
  normalizedDuplicates: 2,
} as const;

function spam(i: number): SpamHamRow {
  const text = `WIN a FREE prize now, claim your cash reward ${100 + i}`;
  return { label: 'spam', text, len: 120 + 5 * (i % 6), channel: i % 3 === 0 ? 'email' : 'sms', version: 1 };
}

function ham(i: number): SpamHamRow {
  const who = i === 5 ? 'Tom &amp; Jerry will see' : 'See';
  const text = `${who} you at lunch tomorrow, bring the notes ${200 + i}`;
  return { label: 'ham', text, len: 40 + 3 * (i % 8), channel: i % 2 === 0 ? 'sms' : 'email', version: 1 };
}

/** The 60 rows in file order: distinct messages interleaved, the unlabelled one among them, repeats last. */
export function spamHamRows(): SpamHamRow[] {
  const rows: SpamHamRow[] = [];
  for (let i = 0; i < SPAM_HAM.ham; i++) {
    if (i < SPAM_HAM.spam) rows.push(spam(i));
    rows.push(ham(i));
    if (i === 10) rows.push({ ...spam(99), label: '' });
  }
  rows.push(spam(0), spam(1), ham(0));
  rows.push({ ...ham(2), text: ham(2).text.toUpperCase() });
  rows.push({ ...spam(3), text: spam(3).text.replace('WIN a', 'WIN   a') });
  return rows;
}

/** Writes the rows as a CSV with header `label,text,len,channel,version`. */
export function writeSpamHamCsv(path: string): void {
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = spamHamRows().map((r) => [r.label, quote(r.text), r.len, r.channel, r.version].join(','));
  writeFileSync(path, ['label,text,len,channel,version', ...lines, ''].join('\n'));
}
