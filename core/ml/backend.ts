/**
 * Chooses the TensorFlow.js backend once at start-up, logs it, and asserts it is live.
 * Preference: tfjs-node-gpu ('tensorflow') when that optional package is installed, else WebAssembly.
 * A requested backend that cannot start is an error — never a silent fallback to a slower one.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { DistilleryError } from '../../common/errors';

/** Backends Distillery runs on: tfjs-node-gpu, WebAssembly (SIMD), or the pure-JS reference. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What was chosen, for logs and step metrics. */
export interface BackendInfo {
  readonly name: BackendName;
  readonly simd: boolean;
  readonly requested: BackendName | 'auto';
}

let active: Promise<BackendInfo> | undefined;

/**
 * Initialises the backend (once per process; later calls return the first result).
 * @param requested 'auto' (default, or `DISTILLERY_BACKEND`) or a backend name.
 * @throws DistilleryError of type 'BackendError' when the requested backend cannot start.
 */
export function initBackend(requested?: BackendName | 'auto'): Promise<BackendInfo> {
  active ??= start(requested ?? parseRequested(process.env.DISTILLERY_BACKEND));
  return active;
}

async function start(requested: BackendName | 'auto'): Promise<BackendInfo> {
  const name = requested === 'auto' ? (loadNodeGpu() ? 'tensorflow' : 'wasm') : requested;
  if (name === 'tensorflow' && requested !== 'auto' && !loadNodeGpu()) {
    throw backendError(name, 'the optional package @tensorflow/tfjs-node-gpu is not installed');
  }
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw backendError(name, `tf.getBackend() is ${tf.getBackend()}`);
  const simd = name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  return { name, simd, requested };
}

function loadNodeGpu(): boolean {
  try {
    require('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

function parseRequested(value: string | undefined): BackendName | 'auto' {
  if (!value || value === 'auto') return 'auto';
  if (value === 'tensorflow' || value === 'wasm' || value === 'cpu') return value;
  throw backendError(value, 'DISTILLERY_BACKEND must be auto, tensorflow, wasm or cpu');
}

function backendError(name: string, reason: string): DistilleryError {
  return new DistilleryError('BackendError', `ML backend ${name} could not start: ${reason}`, { backend: name });
}
