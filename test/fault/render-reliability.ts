/**
 * Renders docs/reliability.md from the fault suite's evidence (docs/reliability.json):
 * `tsx test/fault/render-reliability.ts [evidence.json] [out.md]`. `npm run test:fault` runs it last.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { readEvidence, type EvidenceEntry } from './support/evidence';

const ROOT = resolve(__dirname, '..', '..');

/** Renders the whole document. */
export function renderReliability(entries: readonly EvidenceEntry[]): string {
  const dates = entries.map((e) => e.date).sort();
  const commits = [...new Set(entries.map((e) => e.commit))];
  const minutes = entries.reduce((sum, e) => sum + e.seconds, 0) / 60;
  return [
    '# Reliability evidence',
    '',
    'Produced by `npm run test:fault` (test/fault/, one jest file per scenario): every scenario starts real',
    'processes (a `temporal server start-dev` on its own SQLite file, worker processes from `dist/`, PostgreSQL),',
    'breaks one thing, and writes what happened to `docs/reliability.json`; `test/fault/render-reliability.ts` renders',
    'this page from that file. Do not edit it by hand.',
    '',
    `Runs recorded between ${dates[0] ?? '—'} and ${dates.at(-1) ?? '—'} on commit ${commits.join(', ') || '—'}`,
    `(\`+dirty\`: the shared checkout had uncommitted changes of other files). Scenario time: ${minutes.toFixed(1)} min`,
    'on a 2-core machine shared with other work.',
    '',
    '| # | scenario | what was broken | what happened | trials | survived | s |',
    '|---|---|---|---|---:|---:|---:|',
    ...entries.map(row),
    '',
    ...entries.flatMap(detailSection),
  ].join('\n');
}

function row(entry: EvidenceEntry): string {
  const cells = [entry.id.split('-')[0]!, entry.scenario, entry.broken, entry.outcome];
  const figures = [entry.trials, entry.survived, entry.seconds].map(String);
  return `| ${[...cells.map(escapeCell), ...figures].join(' | ')} |`;
}

function detailSection(entry: EvidenceEntry): string[] {
  const shown = entry.details.slice(0, 25);
  const more = entry.details.length - shown.length;
  return [
    `## ${entry.id}`,
    '',
    `${entry.date}, commit ${entry.commit}. Per trial, as measured:`,
    '',
    '```json',
    ...shown.map((d) => JSON.stringify(d)),
    ...(more > 0 ? [`… ${more} more in docs/reliability.json`] : []),
    '```',
    '',
  ];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

async function main(): Promise<void> {
  const input = process.argv[2] ?? join(ROOT, 'docs', 'reliability.json');
  const output = process.argv[3] ?? join(ROOT, 'docs', 'reliability.md');
  await writeFile(output, renderReliability(await readEvidence(input)));
  console.log(`wrote ${output}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
