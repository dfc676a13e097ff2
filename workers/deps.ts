/** Wires the real dependencies of the activities from the process settings. */
import { join } from 'node:path';

import type { ActivityDeps } from '../activities';
import { EmbeddingCache } from '../artifacts/embedding-cache';
import { LocalArtifactStore } from '../artifacts/store';
import { initBackend } from '../core/ml/backend';
import { canonicalJson } from '../core/util/hash';
import { loadOnnxTeacher, type OnnxTeacherSource } from '../core/ml/teacher/onnx';
import type { SentenceEncoder } from '../core/ml/teacher/types';
import { loadUseLite } from '../core/ml/teacher/use-lite';
import { openRegistry, type Registry } from '../registry/db';
import type { Settings } from './settings';

/** Activity dependencies plus a way to release what they opened. */
export interface WiredDeps extends ActivityDeps {
  close(): Promise<void>;
}

/**
 * Creates the dependencies. The registry and the teachers are opened on first use and shared by
 * every activity of the process; `registry` may be passed in to share one with the caller. `close`
 * disposes every teacher loaded (their worker threads end) and closes a registry it opened.
 */
export function createDeps(settings: Settings, shared: { registry?: Registry } = {}): WiredDeps {
  let registry: Promise<Registry> | undefined = shared.registry ? Promise.resolve(shared.registry) : undefined;
  let teacher: Promise<SentenceEncoder> | undefined;
  const onnxTeachers = new Map<string, Promise<SentenceEncoder>>();
  return {
    store: new LocalArtifactStore(join(settings.home, 'artifacts')),
    embeddingCache: new EmbeddingCache(join(settings.home, 'cache', 'embeddings')),
    registry: () =>
      (registry ??= forgetFailure(openRegistry({ databaseUrl: settings.databaseUrl, dataDir: settings.home }), () => {
        registry = undefined;
      })),
    teacher: () =>
      (teacher ??= forgetFailure(
        initBackend().then(() => loadUseLite(settings.teacherDir, { threads: settings.teacherThreads })),
        () => {
          teacher = undefined;
        },
      )),
    onnxTeacher: (source: OnnxTeacherSource) => {
      const key = canonicalJson({ ...source });
      let encoder = onnxTeachers.get(key);
      if (!encoder) {
        encoder = forgetFailure(loadOnnxTeacher(source), () => onnxTeachers.delete(key));
        onnxTeachers.set(key, encoder);
      }
      return encoder;
    },
    async close() {
      if (teacher) await (await teacher).dispose();
      const loaded = await Promise.allSettled(onnxTeachers.values());
      onnxTeachers.clear();
      for (const result of loaded) if (result.status === 'fulfilled') await result.value.dispose();
      if (registry && !shared.registry) await (await registry).close();
    },
  };
}

/**
 * Returns `opening` and calls `forget` if it rejects, so that a failed open (a database that is
 * restarting, say) is not cached: the next activity attempt opens again instead of failing forever.
 */
function forgetFailure<T>(opening: Promise<T>, forget: () => void): Promise<T> {
  opening.catch(forget);
  return opening;
}
