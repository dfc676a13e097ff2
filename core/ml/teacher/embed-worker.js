/**
 * Worker thread of the USE Lite encoder: loads the graph model once, then embeds batches of
 * token ids posted by the main thread. Plain JavaScript so that it runs unchanged from the
 * TypeScript sources (ts-jest, tsx) and from the compiled build. The main thread has already
 * verified every file's SHA-256 and sends the bytes, so this thread never reads the disk.
 *
 * Messages in:  { type: 'load', manifest, weightData } | { type: 'embed', id, batch: number[][] }
 * Messages out: { type: 'ready', backend } | { type: 'embedded', id, vectors: Float32Array }
 *               | { type: 'error', id?, message }
 */
'use strict';
const { parentPort } = require('node:worker_threads');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');

/** Id of the bare word-boundary piece, used for an empty text. */
const EMPTY_TEXT_ID = 30;
let model;

async function load(message) {
  await tf.setBackend('wasm');
  await tf.ready();
  if (tf.getBackend() !== 'wasm') throw new Error(`embedding thread backend is ${tf.getBackend()}, expected wasm`);
  const { modelTopology, weightsManifest } = message.manifest;
  model = await tf.loadGraphModel({
    load: async () => ({
      modelTopology,
      weightSpecs: weightsManifest.flatMap((group) => group.weights),
      weightData: message.weightData,
    }),
  });
  parentPort.postMessage({ type: 'ready', backend: tf.getBackend() });
}

async function embed({ id, batch }) {
  const indices = [];
  const values = [];
  batch.forEach((ids, row) => {
    (ids.length > 0 ? ids : [EMPTY_TEXT_ID]).forEach((tokenId, position) => {
      indices.push(row, position);
      values.push(tokenId);
    });
  });
  const inputs = {
    indices: tf.tensor2d(indices, [values.length, 2], 'int32'),
    values: tf.tensor1d(values, 'int32'),
  };
  try {
    const output = await model.executeAsync(inputs);
    const vectors = new Float32Array(await output.data());
    output.dispose();
    parentPort.postMessage({ type: 'embedded', id, vectors }, [vectors.buffer]);
  } finally {
    inputs.indices.dispose();
    inputs.values.dispose();
  }
}

parentPort.on('message', (message) => {
  const work = message.type === 'load' ? load(message) : embed(message);
  work.catch((error) =>
    parentPort.postMessage({ type: 'error', id: message.id, message: String(error?.stack ?? error) }),
  );
});
