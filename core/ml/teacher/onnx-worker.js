/**
 * Worker thread of an ONNX teacher: loads the tokenizer and the model once with transformers.js,
 * then runs batches of texts and returns the raw outputs (token states or logits) and attention
 * masks; pooling happens on the calling thread. A thread of its own keeps inference off the
 * caller's event loop, and keeps ONNX Runtime's native tensors in a plain Node.js realm (inside a
 * Jest sandbox the runtime's typed arrays would not be the sandbox's). Plain JavaScript so that it
 * runs unchanged from the TypeScript sources (ts-jest, tsx) and from the compiled build.
 *
 * Messages in:  { type: 'load', folder, classifier, threads? } | { type: 'run', id, texts, maxTokens }
 * Messages out: { type: 'ready' } | { type: 'ran', id, data: Float32Array, dims, mask: Int32Array }
 *               | { type: 'error', id?, message }
 */
'use strict';
const { parentPort } = require('node:worker_threads');

let tokenizer;
let model;
let classifier = false;

async function load({ folder, threads }) {
  const transformers = await import('@huggingface/transformers');
  Tensor = transformers.Tensor;
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  const session_options = threads ? { intraOpNumThreads: threads } : {};
  const options = { local_files_only: true, dtype: 'fp32', device: 'cpu', session_options };
  tokenizer = await transformers.AutoTokenizer.from_pretrained(folder, { local_files_only: true });
  const auto = classifier ? transformers.AutoModelForSequenceClassification : transformers.AutoModel;
  model = await auto.from_pretrained(folder, options);
  parentPort.postMessage({ type: 'ready' });
}

let Tensor;

/**
 * Token ids of each text cut to `maxTokens` with its closing special token kept (the tokenizer's
 * own truncation drops BERT's [SEP], unlike the Python tokenizers the models were trained with),
 * padded into int64 tensors.
 */
function encodeBatch(texts, maxTokens) {
  const closing = tokenizer.encode('').length >= 2 ? 1 : 0;
  const rows = texts.map((text) => {
    const ids = tokenizer.encode(text);
    if (ids.length <= maxTokens) return ids;
    return [...ids.slice(0, maxTokens - closing), ...ids.slice(ids.length - closing)];
  });
  const width = Math.max(1, ...rows.map((ids) => ids.length));
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(tokenizer.pad_token_id ?? 0));
  const mask = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) =>
    row.forEach((id, p) => {
      ids[r * width + p] = BigInt(id);
      mask[r * width + p] = 1n;
    }),
  );
  const dims = [rows.length, width];
  return {
    input_ids: new Tensor('int64', ids, dims),
    attention_mask: new Tensor('int64', mask, dims),
    token_type_ids: new Tensor('int64', new BigInt64Array(rows.length * width), dims),
  };
}

async function run({ id, texts, maxTokens }) {
  const inputs = encodeBatch(texts, maxTokens);
  const outputs = await model(inputs);
  const result = classifier ? outputs.logits : outputs.last_hidden_state;
  const data = new Float32Array(result.data);
  const mask = Int32Array.from(inputs.attention_mask.data, Number);
  const dims = result.dims;
  Object.values(outputs).forEach((t) => t.dispose());
  Object.values(inputs).forEach((t) => t.dispose());
  parentPort.postMessage({ type: 'ran', id, data, dims, mask }, [data.buffer, mask.buffer]);
}

parentPort.on('message', (message) => {
  if (message.type === 'load') classifier = message.classifier === true;
  const work = message.type === 'load' ? load(message) : run(message);
  work.catch((error) =>
    parentPort.postMessage({ type: 'error', id: message.id, message: String(error?.stack ?? error) }),
  );
});
