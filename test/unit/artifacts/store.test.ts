import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readFrame, writeFrame } from '../../../artifacts/parquet';
import { LocalArtifactStore } from '../../../artifacts/store';
import { makeFrame } from '../../../core/data/frame';
import { sha256 } from '../../../core/util/hash';

describe('LocalArtifactStore', () => {
  let root: string;
  let store: LocalArtifactStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'distillery-store-'));
    store = new LocalArtifactStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('names an artifact by the SHA-256 of its bytes and stores equal bytes once', async () => {
    const first = await store.putJson('transform', { a: 1 });
    const second = await store.putJson('transform', { a: 1 });

    expect(first).toEqual(second);
    expect(first.sha256).toBe(sha256('{"a":1}'));
    expect(first.bytes).toBe(7);
    expect(await store.getJson(first)).toEqual({ a: 1 });
  });

  it('refuses to hand out an artifact whose bytes changed on disk, naming it', async () => {
    const ref = await store.putJson('transform', { a: 1 });
    await writeFile(fileURLToPath(ref.uri), '{"a":2}');

    await expect(store.getJson(ref)).rejects.toMatchObject({
      type: 'IntegrityError',
      details: { uri: ref.uri, expected: ref.sha256, actual: sha256('{"a":2}') },
    });
    await expect(store.localPath(ref)).rejects.toMatchObject({ type: 'IntegrityError' });
  });

  it('round-trips a frame through Parquet with its column order, types and missing cells', async () => {
    const frame = makeFrame(
      ['x', 'label'],
      { x: 'number', label: 'string' },
      { x: [1.5, null, -3], label: ['a', 'b', null] },
    );

    const ref = await writeFrame(store, 'cleaned', frame);

    expect(await readFrame(store, ref)).toEqual(frame);
    expect((await writeFrame(store, 'cleaned', frame)).sha256).toBe(ref.sha256);
  });
});
