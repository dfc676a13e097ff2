/**
 * The suite's evidence: every scenario writes what was broken, what happened and how many of its
 * trials survived to one JSON file, from which `test/fault/render-reliability.ts` renders docs/reliability.md.
 */
import { execFileSync } from 'node:child_process';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { PROJECT_ROOT } from '../../../cli/runtime';

/** The evidence file (override with FAULT_EVIDENCE). */
export const EVIDENCE_FILE = process.env.FAULT_EVIDENCE ?? join(PROJECT_ROOT, 'docs', 'reliability.json');

/** One scenario's outcome. */
export interface ScenarioEvidence {
  /** Stable id, e.g. `1-kill-accelerator-worker`; orders the table. */
  readonly id: string;
  readonly scenario: string;
  /** What the scenario broke. */
  readonly broken: string;
  /** What happened, with the measured figures. */
  readonly outcome: string;
  readonly trials: number;
  readonly survived: number;
  /** Wall-clock seconds the scenario took. */
  readonly seconds: number;
  /** Per-trial figures, as measured. */
  readonly details: readonly Record<string, unknown>[];
}

/** A recorded entry: the evidence plus when and on which commit it was produced. */
export interface EvidenceEntry extends ScenarioEvidence {
  readonly date: string;
  readonly commit: string;
}

/** Replaces the scenario's entry in the evidence file (under a lock file: suites may run in parallel). */
export async function recordEvidence(evidence: ScenarioEvidence): Promise<void> {
  await withLock(`${EVIDENCE_FILE}.lock`, async () => {
    const entries = (await readEvidence()).filter((e) => e.id !== evidence.id);
    entries.push({ ...evidence, date: new Date().toISOString(), commit: currentCommit() });
    entries.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
    await writeFile(EVIDENCE_FILE, JSON.stringify(entries, null, 2) + '\n');
  });
}

async function withLock(path: string, work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const handle = await open(path, 'wx').catch(() => undefined);
    if (handle) {
      await handle.close();
      break;
    }
    if (Date.now() > deadline) throw new Error(`evidence lock ${path} held for 30 s; remove it if stale`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    await work();
  } finally {
    await rm(path, { force: true });
  }
}

/** Every recorded entry (none when the file does not exist yet). */
export async function readEvidence(file = EVIDENCE_FILE): Promise<EvidenceEntry[]> {
  const text = await readFile(file, 'utf8').catch(() => '[]');
  return JSON.parse(text) as EvidenceEntry[];
}

/**
 * The checked-out commit, marked `+dirty` when tracked files have uncommitted changes. The evidence
 * files themselves (docs/reliability.*), which the suite rewrites as it runs, do not count.
 */
export function currentCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short=12', 'HEAD');
  const changed = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)docs/reliability.*');
  return changed ? `${commit}+dirty` : commit;
}
