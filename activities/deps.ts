/** What activities need from the world, injected by the worker that hosts them. */
import type { EmbeddingCache } from '../artifacts/embedding-cache';
import type { ArtifactStore } from '../artifacts/store';
import type { OnnxTeacherSource } from '../core/ml/teacher/onnx';
import type { SentenceEncoder } from '../core/ml/teacher/types';
import type { Registry } from '../registry/db';

/** Dependencies of the activities; `workers/` wires the real ones, tests may pass their own. */
export interface ActivityDeps {
  readonly store: ArtifactStore;
  readonly embeddingCache: EmbeddingCache;
  /** The registry, opened on first use. */
  readonly registry: () => Promise<Registry>;
  /** The teacher encoder, loaded (and verified) once per worker on first use. */
  readonly teacher: () => Promise<SentenceEncoder>;
  /**
   * An ONNX teacher, loaded (and its 90 MB hashed) once per source per worker on first use; a failed
   * load is not remembered, so an attempt after the files are installed loads again.
   */
  readonly onnxTeacher: (source: OnnxTeacherSource) => Promise<SentenceEncoder>;
}
