/**
 * Scenario 7: the workflow code changes under a recorded history. Copies of workflows/pipeline.ts
 * (the original is never touched) are edited, bundled and replayed against the recorded history
 * test/fixtures/histories/pipeline.json: renaming or inserting a step must fail with a
 * nondeterminism error; the same edits behind `patched()` must replay.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

import { PROJECT_ROOT } from '../../cli/runtime';
import { recordEvidence } from './support/evidence';

const HISTORY = resolve(PROJECT_ROOT, 'test', 'fixtures', 'histories', 'pipeline.json');
const SOURCE = resolve(PROJECT_ROOT, 'workflows', 'pipeline.ts');
/** Variants live under the git-ignored scratch/ folder so that webpack finds node_modules. */
const VARIANTS = resolve(PROJECT_ROOT, 'scratch', 'fault-workflow-variants');

const DEDUPE_CALL = 'data.dedupe({ config, ...i })';
const CLEAN_STEP =
  "const cleaned = await tracker.run('clean', { dataPath: config.dataPath }, {}, () => data.clean({ config }));";
const INSERTED = "await data['validate' as 'clean']({ config });";

/** An edit of the workflow source and whether its replay must succeed. */
interface Variant {
  readonly name: string;
  readonly replays: boolean;
  edit(source: string): string;
}

const VARIANTS_UNDER_TEST: readonly Variant[] = [
  { name: 'unchanged copy', replays: true, edit: (s) => s },
  {
    name: 'step renamed (dedupe → deduplicate)',
    replays: false,
    edit: (s) => swap(s, DEDUPE_CALL, renamedCall('true')),
  },
  {
    name: 'step inserted (validate after clean)',
    replays: false,
    edit: (s) => swap(s, CLEAN_STEP, `${CLEAN_STEP}\n${INSERTED}`),
  },
  {
    name: 'step renamed behind patched()',
    replays: true,
    edit: (s) => withPatched(swap(s, DEDUPE_CALL, renamedCall("patched('fault-rename-dedupe')"))),
  },
  {
    name: 'step inserted behind patched()',
    replays: true,
    edit: (s) => withPatched(swap(s, CLEAN_STEP, `${CLEAN_STEP}\nif (patched('fault-insert-validate')) ${INSERTED}`)),
  },
];

describe('scenario 7: workflow code changes against a recorded history', () => {
  const started = Date.now();

  afterAll(async () => {
    await rm(VARIANTS, { recursive: true, force: true });
  });

  it('rejects unpatched step changes as nondeterministic and replays patched ones', async () => {
    const history = JSON.parse(await readFile(HISTORY, 'utf8')) as unknown;
    const source = await readFile(SOURCE, 'utf8');
    const details: Record<string, unknown>[] = [];
    for (const [index, variant] of VARIANTS_UNDER_TEST.entries()) {
      const path = await writeVariant(`v${index}`, variant.edit(source));
      const error = await Worker.runReplayHistory({ workflowsPath: path }, history as never, variant.name).then(
        () => undefined,
        (e: unknown) => e,
      );
      const nondeterministic = error instanceof DeterminismViolationError;
      const outcome = error ? `${nondeterministic ? 'nondeterminism' : 'other error'}: ${reasonOf(error)}` : 'replayed';
      const survived = variant.replays ? error === undefined : nondeterministic;
      details.push({
        variant: variant.name,
        expected: variant.replays ? 'replays' : 'nondeterminism',
        outcome,
        survived,
      });
    }
    await recordEvidence({
      id: '7-replay-changes',
      scenario: 'Workflow code changed under a recorded history',
      broken: 'copies of workflows/pipeline.ts with a step renamed or inserted, bare and behind patched()',
      outcome: details.map((d) => `${String(d.variant)}: ${String(d.outcome)}`).join('; '),
      trials: details.length,
      survived: details.filter((d) => d.survived).length,
      seconds: Math.round((Date.now() - started) / 1000),
      details,
    });
    expect(details.map((d) => [d.variant, d.survived])).toEqual(details.map((d) => [d.variant, true]));
  });
});

/** Replaces `from` (which must occur exactly once) with `to`, so that an edit cannot silently miss. */
function swap(source: string, from: string, to: string): string {
  if (source.split(from).length !== 2) throw new Error(`the workflow source no longer contains exactly one ${from}`);
  return source.replace(from, () => to);
}

function renamedCall(useNewName: string): string {
  return `data[${useNewName} ? ('deduplicate' as 'dedupe') : 'dedupe']({ config, ...i })`;
}

function withPatched(source: string): string {
  return swap(source, '  log,\n', '  log,\n  patched,\n');
}

/** Writes a variant beside the sources' layout, with its relative imports pointing at the real modules. */
async function writeVariant(name: string, source: string): Promise<string> {
  const folder = join(VARIANTS, name);
  await mkdir(folder, { recursive: true });
  const rooted = source
    .replace(/from '\.\.\//g, `from '${PROJECT_ROOT}/`)
    .replace(/from '\.\/options'/g, `from '${PROJECT_ROOT}/workflows/options'`);
  const path = join(folder, 'pipeline.ts');
  await writeFile(path, rooted);
  return path;
}

/** The core's explanation of the nondeterminism (the part after `message: "`), else the first line. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = /message: "(?:\[TMPRL\d+\] )?([^"]+)"/.exec(message)?.[1] ?? message.split('\n')[0]!;
  return reason.slice(0, 240);
}
