/**
 * Where USE Lite batches run: on the calling thread's TF.js backend, or on a pool of worker
 * threads that each hold their own copy of the model (two cores embed twice as fast, and the
 * calling thread stays free for heartbeats).
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';

import { DistilleryError } from '../../../common/errors';

/** The model as verified bytes: topology and manifest plus the concatenated weight shards. */
export interface GraphModelBytes {
  readonly manifest: { modelTopology: unknown; weightsManifest: tf.io.WeightsManifestConfig };
  readonly weightData: ArrayBuffer;
}

/** Runs one batch of token-id sequences through the encoder. */
export interface BatchRunner {
  readonly dimension: number;
  run(batch: readonly number[][]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Id of the bare word-boundary piece '▁' in the USE Lite vocabulary, standing in for an empty text. */
const EMPTY_TEXT_ID = 30;

/** A runner on the calling thread's backend. */
export async function localRunner(bytes: GraphModelBytes, dimension: number): Promise<BatchRunner> {
  const model = await tf.loadGraphModel({
    load: async () => ({
      modelTopology: bytes.manifest.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: bytes.manifest.weightsManifest.flatMap((g) => g.weights),
      weightData: bytes.weightData,
    }),
  });
  return {
    dimension,
    run: (batch) => runLocal(model, batch, dimension),
    dispose: async () => model.dispose(),
  };
}

async function runLocal(model: tf.GraphModel, batch: readonly number[][], dimension: number): Promise<Float32Array[]> {
  const indices: number[] = [];
  const values: number[] = [];
  batch.forEach((ids, row) =>
    (ids.length > 0 ? ids : [EMPTY_TEXT_ID]).forEach((id, position) => {
      indices.push(row, position);
      values.push(id);
    }),
  );
  const inputs = { indices: tf.tensor2d(indices, [values.length, 2], 'int32'), values: tf.tensor1d(values, 'int32') };
  try {
    const output = (await model.executeAsync(inputs)) as tf.Tensor;
    const flat = (await output.data()) as Float32Array;
    output.dispose();
    return splitRows(flat, batch.length, dimension);
  } finally {
    inputs.indices.dispose();
    inputs.values.dispose();
  }
}

function splitRows(flat: Float32Array, rows: number, dimension: number): Float32Array[] {
  return Array.from({ length: rows }, (_, r) => flat.slice(r * dimension, (r + 1) * dimension));
}

interface PendingBatch {
  readonly batch: readonly number[][];
  readonly resolve: (vectors: Float32Array[]) => void;
  readonly reject: (error: Error) => void;
}

/** A pool of `threads` worker threads, each with its own copy of the model; batches go to idle threads. */
export async function threadPoolRunner(
  bytes: GraphModelBytes,
  dimension: number,
  threads: number,
): Promise<BatchRunner> {
  const workers = await Promise.all(Array.from({ length: threads }, () => startWorker(bytes)));
  const idle = [...workers];
  const queue: PendingBatch[] = [];
  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop()!;
      const job = queue.shift()!;
      runOn(worker, job.batch, dimension)
        .then(job.resolve, job.reject)
        .finally(() => {
          idle.push(worker);
          dispatch();
        });
    }
  };
  return {
    dimension,
    run: (batch) =>
      new Promise((resolvePromise, reject) => {
        queue.push({ batch, resolve: resolvePromise, reject });
        dispatch();
      }),
    dispose: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

async function startWorker(bytes: GraphModelBytes): Promise<Worker> {
  const worker = new Worker(resolve(__dirname, 'embed-worker.js'));
  worker.unref();
  const ready = once(worker, (m) => m.type === 'ready');
  worker.postMessage({ type: 'load', manifest: bytes.manifest, weightData: bytes.weightData.slice(0) });
  await ready;
  return worker;
}

let nextId = 0;

async function runOn(worker: Worker, batch: readonly number[][], dimension: number): Promise<Float32Array[]> {
  const id = nextId++;
  const reply = once(worker, (m) => m.id === id);
  worker.postMessage({ type: 'embed', id, batch });
  const message = await reply;
  return splitRows(message.vectors as Float32Array, batch.length, dimension);
}

type WorkerMessage = { type: string; id?: number; vectors?: Float32Array; message?: string; backend?: string };

/** Resolves with the first message matching `accept`; rejects on an error message or thread exit. */
function once(worker: Worker, accept: (message: WorkerMessage) => boolean): Promise<WorkerMessage> {
  return new Promise((resolvePromise, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'error' && (message.id === undefined || accept(message)))
        finish(() => reject(threadError(message)));
      else if (accept(message)) finish(() => resolvePromise(message));
    };
    const onExit = (code: number) =>
      finish(() => reject(threadError({ type: 'error', message: `exited with code ${code}` })));
    const finish = (settle: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onExit);
      worker.off('exit', onExit);
      settle();
    };
    worker.on('message', onMessage);
    worker.on('error', onExit);
    worker.on('exit', onExit);
  });
}

function threadError(message: WorkerMessage): DistilleryError {
  return new DistilleryError('BackendError', `embedding thread failed: ${message.message}`, {});
}
