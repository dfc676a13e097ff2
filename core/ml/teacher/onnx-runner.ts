/**
 * The calling side of onnx-worker.js: one worker thread holding the ONNX model, fed one batch of
 * texts at a time. ONNX Runtime parallelises each batch over its own intra-op threads.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import { DistilleryError } from '../../../common/errors';

/** Raw outputs of one batch: token states `[rows, positions, width]` or logits `[rows, classes]`. */
export interface OnnxBatchOutput {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  /** Attention mask `[rows, positions]`: 1 for a real token, 0 for padding. */
  readonly mask: Int32Array;
}

/** Runs batches of texts through the model in the worker thread. */
export interface OnnxRunner {
  run(texts: readonly string[], maxTokens: number): Promise<OnnxBatchOutput>;
  dispose(): Promise<void>;
}

interface WorkerReply {
  readonly type: 'ready' | 'ran' | 'error';
  readonly id?: number;
  readonly message?: string;
  readonly data?: Float32Array;
  readonly dims?: number[];
  readonly mask?: Int32Array;
}

/** Starts the worker and loads the model in it (already verified by the caller). */
export async function startOnnxRunner(load: {
  folder: string;
  classifier: boolean;
  threads?: number;
}): Promise<OnnxRunner> {
  const worker = new Worker(resolve(__dirname, 'onnx-worker.js'));
  worker.unref();
  const pending = new Map<number | undefined, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  const fail = (message: string) => {
    const error = new DistilleryError('BackendError', `ONNX teacher thread failed: ${message}`, {});
    pending.forEach((p) => p.reject(error));
    pending.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.type === 'error') waiting.reject(new DistilleryError('BackendError', reply.message ?? 'error', {}));
    else waiting.resolve(reply);
  });
  worker.on('error', (error) => fail(error.message));
  worker.on('exit', (code) => fail(`exited with code ${code}`));
  const request = (id: number | undefined, message: object) =>
    new Promise<WorkerReply>((resolvePromise, reject) => {
      pending.set(id, { resolve: resolvePromise, reject });
      worker.postMessage(message);
    });

  await request(undefined, { type: 'load', ...load });
  let nextId = 0;
  return {
    run: async (texts, maxTokens) => {
      const id = nextId++;
      const reply = await request(id, { type: 'run', id, texts, maxTokens });
      return { data: reply.data!, dims: reply.dims!, mask: reply.mask! };
    },
    dispose: async () => {
      await worker.terminate();
    },
  };
}
