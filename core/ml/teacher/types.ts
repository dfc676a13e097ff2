/** The teacher contract: a frozen encoder that turns texts into fixed-size embeddings. */

/** Identity of a pretrained teacher as recorded in lineage. */
export interface TeacherIdentity {
  readonly name: string;
  readonly version: string;
  /** SHA-256 over the sorted `file:sha256` lines of every weight and vocabulary file. */
  readonly sha256: string;
}

/** Progress of a long embedding job: rows done so far out of the total. */
export type EmbedProgress = (done: number, total: number) => void | Promise<void>;

/** What the embedding pass did besides producing vectors. */
export interface EmbedReport {
  readonly rows: number;
  /** Rows whose token sequence was cut to the encoder's window. */
  readonly truncated: number;
  readonly maxTokens: number;
}

/** A frozen sentence encoder. */
export interface SentenceEncoder {
  readonly identity: TeacherIdentity;
  readonly dimension: number;
  /** Bytes of the encoder's weight and vocabulary files. */
  readonly bytes: number;
  /** The encoder's window: longer token sequences are truncated (and counted). */
  readonly maxTokens: number;
  /** Embeds texts in batches; row i of the result is the embedding of texts[i]. */
  embed(
    texts: readonly string[],
    options: { batchSize: number; onProgress?: EmbedProgress },
  ): Promise<{ vectors: Float32Array[]; report: EmbedReport }>;
  /** How many of `texts` are longer than {@link maxTokens} tokens (and so cut when embedded). */
  countTruncated(texts: readonly string[]): number;
  /** Releases the model's tensors and threads. */
  dispose(): Promise<void>;
}
