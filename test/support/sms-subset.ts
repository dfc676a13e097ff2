/** A stratified, seeded subset of the SMS Spam Collection written as CSV, for end-to-end tests. */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { readCsv } from '../../core/data/read';
import { seededRandom, shuffled } from '../../core/util/random';

/** The shared datasets folder beside the project. */
export const DATASETS = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

/** Writes `perClass[label]` random rows of each class (seeded) to `folder/sms-subset.csv`. */
export async function writeSmsSubset(folder: string, perClass: Record<string, number>, seed = 7): Promise<string> {
  const { frame } = await readCsv(join(DATASETS, 'sms_spam', 'sms_spam.csv'));
  const labels = frame.values.label!;
  const texts = frame.values.text!;
  const random = seededRandom(seed);
  const rows = Object.entries(perClass).flatMap(([label, count]) =>
    shuffled(
      labels.flatMap((l, i) => (l === label ? [i] : [])),
      random,
    ).slice(0, count),
  );
  const lines = ['label,text', ...rows.sort((a, b) => a - b).map((r) => `${labels[r]},${quote(String(texts[r]))}`)];
  const path = join(folder, 'sms-subset.csv');
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

function quote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
