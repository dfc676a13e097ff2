/**
 * The `distillery` command as a user runs it: a local dev server started by the CLI itself,
 * in-process workers, the embedded registry, on a small stratified SMS subset.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { LocalArtifactStore } from '../../artifacts/store';
import { createBundlePredictor, type StudentBundle } from '../../core/bundle';
import { sha256 } from '../../core/util/hash';
import { openRegistry } from '../../registry/db';
import { getLineage } from '../../registry/repository';
import { writeSmsSubset } from '../support/sms-subset';

jest.setTimeout(5 * 60_000);

const ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** Runs the CLI from the sources; resolves with the exit code and both streams. */
async function distillery(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, DISTILLERY_HOME: home, DATABASE_URL: '', TEMPORAL_ADDRESS: '' };
  try {
    const { stdout, stderr } = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), ['cli/main.ts', ...args], {
      cwd: ROOT,
      env,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the distillery command', () => {
  let home: string;
  let dataPath: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'distillery-cli-'));
    dataPath = await writeSmsSubset(home, { ham: 90, spam: 60 }, 11);
  });

  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('trains, reports and registers a version, then lists it and prints its lineage', async () => {
    const trained = await distillery(
      home,
      'train',
      '--data',
      dataPath,
      '--label',
      'label',
      '--text',
      'text',
      '--model',
      'cli-e2e',
      '--epochs',
      '2',
    );

    expect(trained.stderr).not.toMatch(/error \[/);
    expect(trained.code).toBe(0);
    expect(trained.stdout).toContain('Registered cli-e2e version 1');
    expect(trained.stdout).toMatch(/Gate: (PASSED|FAILED)/);

    const models = await distillery(home, 'models');
    expect(models.stdout).toMatch(/cli-e2e\s+1\s/);

    const lineage = await distillery(home, 'lineage', 'cli-e2e@1');
    expect(lineage.code).toBe(0);
    expect(lineage.stdout).toContain(`dataset sha256 ${sha256(await readFile(dataPath))}`);
    expect(lineage.stdout).toContain('└─ evaluate');
  });

  it('scores a CSV with the registered version and writes the predictions as CSV', async () => {
    const texts = ['WINNER!! Claim your free prize, call 09061701461 now', 'ok, see you at home', 'Sorry, call later'];
    const inbox = join(home, 'inbox.csv');
    await writeFile(inbox, ['id,text', ...texts.map((t, i) => `m${i + 1},"${t}"`), ''].join('\n'));
    const out = join(home, 'predictions.csv');

    const scored = await distillery(
      home,
      'score',
      '--model',
      'cli-e2e@1',
      '--data',
      inbox,
      '--id-column',
      'id',
      '--out',
      out,
    );

    expect(scored.stderr).not.toMatch(/error \[/);
    expect(scored.code).toBe(0);
    const [header, ...rows] = (await readFile(out, 'utf8')).trimEnd().split('\n');
    const cells = rows.map((row) => row.split(','));
    const registry = await openRegistry({ dataDir: home });
    const student = (await getLineage(registry, 'cli-e2e', 1)).student;
    await registry.close();
    const bundle = await new LocalArtifactStore(join(home, 'artifacts')).getJson<StudentBundle>({
      ...student,
      kind: 'student',
      bytes: 0,
    });
    const expected = createBundlePredictor(bundle)(texts.map((text) => ({ text })));
    expect(header).toBe('row_id,label,p_ham,p_spam');
    expect(cells.map((c) => c[0])).toEqual(['m1', 'm2', 'm3']);
    cells.forEach((c, i) => {
      expect(Number(c[2])).toBeCloseTo(expected[i]![0]!, 12);
      expect(Number(c[3])).toBeCloseTo(expected[i]![1]!, 12);
    });
    const count = (label: string) => cells.filter((c) => c[1] === label).length;
    expect(count('ham') + count('spam')).toBe(3);
    expect(scored.stdout).toContain(
      `Scored 3 rows with cli-e2e@1: ham ${count('ham')}, spam ${count('spam')} (predictions written to ${out})`,
    );
  });

  it('refuses to score with an unknown alias or a missing file before anything starts, in one typed line', async () => {
    const unknown = await distillery(home, 'score', '--model', 'cli-e2e@staging', '--data', dataPath);
    const missing = await distillery(home, 'score', '--model', 'cli-e2e', '--data', join(home, 'missing.csv'));

    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe("error [RegistryError]: model 'cli-e2e' has no alias 'staging'");
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(
      `error [DataNotFound]: data file ${join(home, 'missing.csv')} cannot be read: ENOENT`,
    );
  });

  it('refuses a missing data file before starting anything, with a typed one-line error', async () => {
    const result = await distillery(home, 'train', '--data', join(home, 'missing.csv'), '--label', 'label');

    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `error [DataNotFound]: data file ${join(home, 'missing.csv')} cannot be read: ENOENT`,
    );
  });

  it('rejects a temperature of 0 as invalid configuration naming the field', async () => {
    const result = await distillery(home, 'train', '--data', dataPath, '--label', 'label', '--temperature', '0');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error [InvalidConfig]: invalid configuration: distillation.temperature');
  });
});
