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
    '(`+dirty`: the shared checkout had uncommitted changes of other files). Time of all scenarios together:',
    `${minutes.toFixed(1)} min on a 2-core machine shared with other work; the soak is ${soakShare(entries)} of it.`,
    '',
    '| # | scenario | what was broken | what happened | trials | survived | s |',
    '|---|---|---|---|---:|---:|---:|',
    ...entries.map(row),
    '',
    ...FINDINGS,
    '',
    ...entries.flatMap(detailSection),
  ].join('\n');
}

/** What building the suite found; written by hand, kept here so that every render carries it. */
const FINDINGS = [
  '## Bugs the suite found, and limits it measured',
  '',
  '- Fixed (scenario 3): a worker whose first registry open failed (PostgreSQL down) cached the rejected',
  '  promise, so `register` failed on all 20 attempts even after the database was back (`workers/deps.ts`).',
  '- Fixed (scenario 3): a PostgreSQL crash while a pooled connection was checked out raised an unhandled',
  "  `'error'` event and killed the CPU worker process (`registry/db.ts`: every pooled client gets a listener).",
  '- Limit (seen while building scenario 3): `evaluate` reads the champion from the registry and runs under',
  '  the training retry policy (5 attempts, about 30 s of back-off), so a database outage longer than that',
  '  during `evaluate` fails the run; `register` alone waits out minutes (20 attempts, back-off up to 30 s).',
  '- Limit (scenario 1): a killed worker is noticed after the 1-minute heartbeat timeout. Heartbeats reach the',
  '  server at most every 2 s, so up to 2 s of training past the last recorded heartbeat is recomputed on',
  '  top of the partial epoch; "epochs lost" in the table is measured from the heartbeat the server held.',
  '- Limit (scenario 6): the schedule-to-start timeout (5 minutes) is a constant of `workflows/options.ts`,',
  '  so a run without a worker fails after at least 5 minutes; it cannot be shortened per run today.',
];

function soakShare(entries: readonly EvidenceEntry[]): string {
  const soak = entries.find((e) => e.id.endsWith('-soak'));
  return soak ? `${(soak.seconds / 60).toFixed(1)} min` : 'not';
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
