import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { DistilleryError } from '../../../common/errors';
import { readCsv } from '../../../core/data/read';
import { initBackend } from '../../../core/ml/backend';
import type { SentenceEncoder } from '../../../core/ml/teacher/types';
import { defaultUseLiteDir, loadUseLite, USE_LITE_FILES } from '../../../core/ml/teacher/use-lite';

const CASES = path.resolve(__dirname, '../../..', '../shared/cases');
const TEACHER_TINY = path.join(CASES, 'L16-models', 'teacher-tiny');

/** Measured on the wasm backend: 0.771 and 0.106. The margin allows for another backend's float error. */
const COSINE_TOLERANCE = 0.02;

let encoder: SentenceEncoder;
let scratch: string;

beforeAll(async () => {
  await initBackend();
  encoder = await loadUseLite();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'distillery-use-lite-'));
});

afterAll(async () => {
  await encoder.dispose();
  await rm(scratch, { recursive: true, force: true });
});

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot / (norm(a) * norm(b));
}

function norm(v: Float32Array): number {
  return Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
}

async function rejection(promise: Promise<unknown>): Promise<DistilleryError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DistilleryError)) throw new Error(`expected a DistilleryError, got ${String(error)}`);
  return error;
}

describe('loadUseLite with the model of the npm package', () => {
  it('embeds each text as a 512-d vector of unit L2 norm', async () => {
    const { vectors, report } = await encoder.embed(['How are you today?', 'A second, longer sentence.', ''], {
      batchSize: 8,
    });

    expect(encoder.dimension).toBe(512);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) {
      expect(vector).toHaveLength(512);
      expect(Math.abs(norm(vector) - 1)).toBeLessThan(1e-3);
    }
    expect(report).toEqual({ rows: 3, truncated: 0, maxTokens: 128 });
  });

  it('places a paraphrase much closer than an unrelated sentence', async () => {
    const texts = ['How are you today?', 'How is it going?', 'The stock market crashed badly.'];

    const [question, paraphrase, unrelated] = (await encoder.embed(texts, { batchSize: 8 })).vectors;

    const close = cosine(question!, paraphrase!);
    const far = cosine(question!, unrelated!);
    expect(Math.abs(close - 0.771)).toBeLessThan(COSINE_TOLERANCE);
    expect(Math.abs(far - 0.106)).toBeLessThan(COSINE_TOLERANCE);
    expect(close - far).toBeGreaterThan(0.5);
  });

  it('returns rows in input order whatever the batch size, and reports progress per batch', async () => {
    const texts = ['a much longer sentence about the weather in spring', 'short', 'a medium sentence here'];
    const progress: [number, number][] = [];
    const onProgress = (done: number, total: number) => void progress.push([done, total]);

    const batched = await encoder.embed(texts, { batchSize: 2, onProgress });
    const single: Float32Array[] = [];
    for (const text of texts) single.push((await encoder.embed([text], { batchSize: 1 })).vectors[0]!);

    batched.vectors.forEach((vector, i) => expect(cosine(vector, single[i]!)).toBeGreaterThan(1 - 1e-5));
    expect(progress).toEqual([
      [2, 3],
      [3, 3],
    ]);
  });

  it('leaves no tensor behind after embedding', async () => {
    const before = tf.memory().numTensors;

    await encoder.embed(['one text', 'another text'], { batchSize: 1 });

    expect(tf.memory().numTensors).toBe(before);
  });

  it('embeds all rows of the L17 long-text file and reports the one row cut to the window', async () => {
    const csv = path.join(scratch, 'L17-long-text.csv');
    await writeFile(csv, execFileSync('sh', [path.join(CASES, 'L17-gen-long-text.sh')]));
    const { frame } = await readCsv(csv);
    const texts = frame.values.text!.map(String);

    const { vectors, report } = await encoder.embed(texts, { batchSize: 2 });

    expect(texts).toHaveLength(4);
    expect(texts[2]!.split(' ')).toHaveLength(600);
    expect(vectors).toHaveLength(4);
    vectors.forEach((v) => expect(v.every(Number.isFinite)).toBe(true));
    expect(report).toEqual({ rows: 4, truncated: 1, maxTokens: encoder.maxTokens });
    expect(encoder.countTruncated(texts)).toBe(1);
  });
});

describe('loadUseLite from a folder without the model files (L16)', () => {
  it('fails with TeacherNotFound naming the absolute folder and every missing file', async () => {
    const error = await rejection(loadUseLite(TEACHER_TINY));

    expect(error.type).toBe('TeacherNotFound');
    expect(error.message).toContain('teacher model files not found');
    expect(error.message).toContain(TEACHER_TINY);
    // The folder holds only config.json: every file the teacher needs is missing, model.json first.
    expect(error.details).toEqual({ folder: TEACHER_TINY, missing: Object.keys(USE_LITE_FILES) });
    expect((error.details.missing as string[])[0]).toBe('model.json');
  });

  it('reports the absolute folder when given a relative path', async () => {
    const relative = path.relative(process.cwd(), TEACHER_TINY);

    const error = await rejection(loadUseLite(relative));

    expect(path.isAbsolute(relative)).toBe(false);
    expect(error.details.folder).toBe(TEACHER_TINY);
    expect(error.message).toContain(TEACHER_TINY);
  });
});

describe('loadUseLite from a copy with one flipped byte', () => {
  it('fails with IntegrityError naming the corrupted shard and its expected SHA-256', async () => {
    const copy = path.join(scratch, 'model');
    await cp(defaultUseLiteDir(), copy, { recursive: true });
    const shard = path.join(copy, 'group1-shard3of7');
    const bytes = await readFile(shard);
    bytes[1000] = bytes[1000]! ^ 0xff;
    await writeFile(shard, bytes);

    const error = await rejection(loadUseLite(copy));

    expect(error.type).toBe('IntegrityError');
    expect(error.details.uri).toBe(shard);
    expect(error.details.expected).toBe(USE_LITE_FILES['group1-shard3of7']);
    expect(error.details.actual).not.toBe(error.details.expected);
  });
});
