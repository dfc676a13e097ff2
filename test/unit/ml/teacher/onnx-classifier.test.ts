/**
 * An ONNX sequence-classification model as the teacher: its logits are the features. The model is
 * a tiny random BERT classifier made by make_tiny_classifier.py in the virtual environment of
 * scripts/install-teacher-minilm.sh, which also prints PyTorch's logits to compare with.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { loadOnnxTeacher } from '../../../../core/ml/teacher/onnx';
import type { SentenceEncoder } from '../../../../core/ml/teacher/types';

const ROOT = path.resolve(__dirname, '../../../..');
const PYTHON = path.join(ROOT, '.tools', 'minilm-venv', 'bin', 'python');
const MINILM = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');
const TEXTS = ['great product', 'terrible, broke in a day', 'it is ok', Array(100).fill('word').join(' ')];
/** ONNX Runtime and PyTorch agree to float32 rounding on this small graph. */
const LOGIT_TOLERANCE = 1e-4;

// Skipped only where scripts/install-teacher-minilm.sh has not run; scripts/setup.sh (and so CI) runs it.
const describeClassifier = existsSync(PYTHON) && existsSync(MINILM) ? describe : describe.skip;

describeClassifier('loadOnnxTeacher with a sequence-classification model', () => {
  let folder: string;
  let expected: number[][];
  let encoder: SentenceEncoder;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'distillery-classifier-'));
    const script = path.join(__dirname, 'make_tiny_classifier.py');
    const output = execFileSync(PYTHON, [script, MINILM, folder, JSON.stringify(TEXTS)], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expected = JSON.parse(output.trim().split('\n').at(-1)!) as number[][];
    encoder = await loadOnnxTeacher({ path: folder });
  }, 300_000);

  afterAll(async () => {
    await encoder?.dispose();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it('returns one logit per class as the features, equal to PyTorch on the same model', async () => {
    const { vectors } = await encoder.embed(TEXTS, { batchSize: 2 });

    expect(encoder.dimension).toBe(3);
    expect(vectors).toHaveLength(4);
    vectors.forEach((row, i) =>
      row.forEach((logit, k) => expect(Math.abs(logit - expected[i]![k]!)).toBeLessThan(LOGIT_TOLERANCE)),
    );
  });

  it('takes its window from the 64 positions of the model and counts the 100-word text as truncated', async () => {
    const { report } = await encoder.embed(TEXTS, { batchSize: 4 });

    expect(encoder.maxTokens).toBe(64);
    expect(report).toEqual({ rows: 4, truncated: 1, maxTokens: 64 });
  });

  it('names the folder and "local folder" as version when it has no teacher.json', () => {
    expect(encoder.identity.name).toBe(path.basename(folder));
    expect(encoder.identity.version).toBe('local folder');
    expect(encoder.identity.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
