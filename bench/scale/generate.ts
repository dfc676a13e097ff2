/**
 * Writes a seeded CSV for the scale benchmark: numeric, categorical and free-text columns, a
 * three-class label, about 5 % exact duplicate rows and missing values in every column.
 *
 *   tsx bench/scale/generate.ts <out.csv> [rows = 10000000] [seed = 42]
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

import { seededRandom } from '../../core/util/random';

/** The file's header; `label` is the target, `review` the free text. */
export const SCALE_COLUMNS = ['label', 'amount', 'score', 'ratio', 'visits', 'channel', 'region', 'review'] as const;

const LABELS = ['negative', 'neutral', 'positive'] as const;
const CHANNELS = ['web', 'app', 'store', 'phone', 'partner', 'mail'];
const REGIONS = Array.from({ length: 40 }, (_, i) => `region-${String(i + 1).padStart(2, '0')}`);
const WORDS = (
  'good bad fine great poor price delivery quality size colour fabric late early broken perfect cheap ' +
  'expensive return refund love hate okay service friendly rude fast slow again never always recommend ' +
  'disappointed happy sad small large fits tight loose soft rough shipping box order item store app'
).split(' ');
const DUPLICATE_RATE = 0.05;
const MISSING_RATE = 0.02;
const RECENT_ROWS = 1024;
const BATCH_ROWS = 20_000;

/** Writes `rows` data rows (duplicates included) to `file`. */
export async function generateScaleCsv(file: string, rows: number, seed = 42): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const random = seededRandom(seed);
  /** The last {@link RECENT_ROWS} distinct rows written: the pool duplicates are drawn from. */
  const recent: string[] = [];
  let written = 0;
  out.write(SCALE_COLUMNS.join(',') + '\n');
  for (let start = 0; start < rows; start += BATCH_ROWS) {
    const lines: string[] = [];
    for (let row = start; row < Math.min(rows, start + BATCH_ROWS); row++) {
      const repeat = recent.length > 0 && random() < DUPLICATE_RATE;
      const line = repeat ? recent[Math.floor(random() * recent.length)]! : makeRow(random);
      if (!repeat) recent[written++ % RECENT_ROWS] = line;
      lines.push(line);
    }
    if (!out.write(lines.join('\n') + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function makeRow(random: () => number): string {
  const label = Math.floor(random() * 10) % 3;
  const gaussian = (): number => (random() + random() + random() + random() - 2) * 1.7;
  const missing = (value: string): string => (random() < MISSING_RATE ? '' : value);
  const cells = [
    random() < 0.001 ? '' : LABELS[label]!,
    missing((50 + 20 * label + 15 * gaussian()).toFixed(2)),
    missing((gaussian() + 0.3 * label).toFixed(4)),
    missing(random().toFixed(3)),
    missing(String(Math.floor(random() * 60))),
    missing(CHANNELS[Math.floor(random() * CHANNELS.length)]!),
    missing(REGIONS[Math.floor(random() * REGIONS.length)]!),
    csvQuote(review(random, label)),
  ];
  return cells.join(',');
}

/** 4 to 12 words, sometimes with an HTML entity, odd spacing or capitals (normalised-text duplicates). */
function review(random: () => number, label: number): string {
  const length = 4 + Math.floor(random() * 9);
  const words = Array.from({ length }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  words.push(['awful', 'meh', 'lovely'][label]!);
  let text = words.join(' ');
  if (random() < 0.02) text = text.replace(' ', ' &amp; ');
  if (random() < 0.02) text = `  ${text.toUpperCase()}  `;
  return random() < MISSING_RATE ? '' : text;
}

function csvQuote(text: string): string {
  return /[",\n]/.test(text) || text.startsWith(' ') ? `"${text.replace(/"/g, '""')}"` : text;
}

if (require.main === module) {
  const [file, rows = '10000000', seed = '42'] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/scale/generate.ts <out.csv> [rows] [seed]');
  void generateScaleCsv(file, Number(rows), Number(seed));
}
