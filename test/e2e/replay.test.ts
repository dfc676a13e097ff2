/**
 * Replays a recorded history of the pipeline workflow against the current workflow code: any
 * change that breaks determinism (reordered, renamed or inserted steps without a patch) fails here
 * before it can break a running workflow. Refresh the fixture with RECORD_HISTORY=1 on the e2e test.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { Worker } from '@temporalio/worker';

const HISTORY_FIXTURE = resolve(__dirname, '..', 'fixtures', 'histories', 'pipeline.json');

describe('the pipeline workflow', () => {
  it('replays a recorded history of a successful run without nondeterminism', async () => {
    const history = JSON.parse(await readFile(HISTORY_FIXTURE, 'utf8'));

    await expect(
      Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, 'recorded-run'),
    ).resolves.toBeUndefined();
  });
});
