/**
 * The run configuration: one schema, one place where defaults live, validated completely
 * before a workflow starts. Workflows import the types only.
 */
import { z } from 'zod';

import {
  cleaningSchema,
  csvSchema,
  dataConfigProblem,
  dedupeSchema,
  driftSchema,
  selectionSchema,
  standardizeSchema,
} from './data-config';
import { InvalidConfigError } from './errors';

const splitSchema = z
  .object({
    /** Fraction of rows held out for validation (early stopping, calibration). Default 0.15. */
    validation: z.number().gt(0).lt(0.5).default(0.15),
    /** Fraction of rows held out for the final test metrics. Default 0.15. */
    test: z.number().gt(0).lt(0.5).default(0.15),
  })
  .default({ validation: 0.15, test: 0.15 });

/** `name@version` or `name@alias` of a registered model. */
const MODEL_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}@(\d+|[a-z][a-z0-9_-]{0,62})$/;

const teacherSchema = z
  .object({
    /**
     * Which teacher: 'use-lite' (Universal Sentence Encoder Lite from npm), 'onnx' (a transformers.js
     * encoder or sequence-classification model, from `path` or `modelId`), or 'registered' (the
     * student of a registered model version, `model`, whose probabilities become the soft targets).
     * Default 'use-lite'. Data without a text column always gets a tabular MLP teacher.
     */
    kind: z.enum(['use-lite', 'onnx', 'registered']).default('use-lite'),
    /** Local folder of an 'onnx' teacher (config.json, tokenizer.json, onnx/model.onnx). */
    path: z.string().min(1).optional(),
    /** Hugging Face model id of an 'onnx' teacher, looked up in `models/<modelId>`. */
    modelId: z
      .string()
      .regex(/^[\w.-]+(\/[\w.-]+)?$/, 'a Hugging Face id such as org/name')
      .optional(),
    /** Download a missing `modelId` from the hub; only where one is reachable. Default false. */
    allowRemoteModels: z.boolean().default(false),
    /** The registered teacher of kind 'registered', as `name@version` or `name@alias`. */
    model: z.string().regex(MODEL_REFERENCE, 'name@version or name@alias, e.g. spam@3 or spam@production').optional(),
    /** Texts embedded per batch. Default 32. */
    batchSize: z.number().int().positive().max(1024).default(32),
    /** Maximum epochs of the classification head; early stopping on validation log-loss. Default 200. */
    headEpochs: z.number().int().positive().default(200),
    /** L2 penalty of the head's weights. Default 1e-4. */
    headL2: z.number().min(0).default(1e-4),
    /** Hidden width of the head (an MLP on the frozen embeddings). Default 128. */
    headHidden: z.number().int().positive().max(4096).default(128),
    /** Rows per batch when fitting the head. Default 128. */
    headBatchSize: z.number().int().positive().max(4096).default(128),
    /** Adam learning rate of the head. Default 0.002. */
    headLearningRate: z.number().positive().max(1).default(0.002),
  })
  .superRefine(checkTeacherSource)
  .default({
    kind: 'use-lite',
    allowRemoteModels: false,
    batchSize: 32,
    headEpochs: 200,
    headL2: 1e-4,
    headHidden: 128,
    headBatchSize: 128,
    headLearningRate: 0.002,
  });

/** Each kind names its source, and only its own: a field of another kind is a mistake, not ignored. */
function checkTeacherSource(
  teacher: { kind: string; path?: string; modelId?: string; model?: string },
  context: z.RefinementCtx,
): void {
  const fail = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
  const onnxSources = [teacher.path, teacher.modelId].filter((v) => v !== undefined).length;
  if (teacher.kind === 'onnx' && onnxSources !== 1) fail('path', "kind 'onnx' needs exactly one of path and modelId");
  if (teacher.kind === 'registered' && !teacher.model) fail('model', "kind 'registered' needs model (name@version)");
  if (teacher.kind !== 'onnx' && onnxSources > 0)
    fail(teacher.path ? 'path' : 'modelId', "applies to kind 'onnx' only");
  if (teacher.kind !== 'registered' && teacher.model) fail('model', "applies to kind 'registered' only");
}

const studentSchema = z
  .object({
    /** Hash buckets for character n-grams (3 to 5 characters). Default 4096. */
    charBuckets: z
      .number()
      .int()
      .min(16)
      .max(1 << 20)
      .default(4096),
    /** Width of the hidden layer. Default 64. */
    hidden: z.number().int().positive().max(4096).default(64),
    /** Training epochs; the best epoch on validation loss is kept. Default 6. */
    epochs: z.number().int().positive().max(1000).default(6),
    /** Rows per batch. Default 64. */
    batchSize: z.number().int().positive().max(4096).default(64),
    /** Adam learning rate. Default 0.005. */
    learningRate: z.number().positive().max(1).default(0.005),
    /**
     * 'hashed-mlp': the sparse n-gram features into a ReLU layer; 'embedding-bag': the mean of learned
     * n-gram embeddings into a linear layer (fastText-like). Default 'hashed-mlp'.
     */
    architecture: z.enum(['hashed-mlp', 'embedding-bag']).default('hashed-mlp'),
    /**
     * Loss weight per class: 'balanced' (n / (classes × count)) or 'none'. Default 'balanced': on the SMS
     * and Banking77 test splits it raised the distilled student's macro-F1 (bench/results/distill-variants.md).
     */
    classWeights: z.enum(['balanced', 'none']).default('balanced'),
  })
  .default({
    charBuckets: 4096,
    hidden: 64,
    epochs: 6,
    batchSize: 64,
    learningRate: 0.005,
    architecture: 'hashed-mlp',
    classWeights: 'balanced',
  });

const AUGMENTATION_DEFAULTS = { copies: 0, maskProbability: 0.1, dropProbability: 0.1, ngramProbability: 0.25 };

/**
 * Transfer-set augmentation (Tang et al. 2019): perturbed copies of the training texts, labelled by
 * the teacher's logits, added to the distilled student's training rows (KL term only).
 */
const augmentationSchema = z
  .object({
    /** Perturbed copies per training text; 0 turns augmentation off. Default 0. */
    copies: z.number().int().min(0).max(20).default(0),
    /** Probability that a word is replaced by the mask token. Default 0.1. */
    maskProbability: z.number().min(0).max(1).default(0.1),
    /** Probability that a word is dropped (the part-of-speech-free stand-in for word replacement). Default 0.1. */
    dropProbability: z.number().min(0).max(1).default(0.1),
    /** Probability that a copy is cut to a random n-gram of 1 to 5 words. Default 0.25. */
    ngramProbability: z.number().min(0).max(1).default(0.25),
  })
  .default(AUGMENTATION_DEFAULTS);

const distillationSchema = z
  .object({
    /** Softmax temperature of the KL term. Must be > 0. Default 2. */
    temperature: z.number().gt(0, 'temperature must be greater than 0').max(100).default(2),
    /** Weight of the KL term; (1 − alpha) weighs cross-entropy on true labels. Default 0.7. */
    alpha: z.number().min(0).max(1).default(0.7),
    augmentation: augmentationSchema,
  })
  .default({ temperature: 2, alpha: 0.7, augmentation: AUGMENTATION_DEFAULTS });

const decisionSchema = z
  .object({
    /**
     * How a binary student's decision threshold is tuned on the validation split (after temperature
     * scaling): maximise F1, or the lowest threshold whose precision meets `precisionTarget`. Default 'maxF1'.
     */
    objective: z.enum(['maxF1', 'precisionAtLeast']).default('maxF1'),
    /** Precision the threshold must meet when `objective` is 'precisionAtLeast'. Default 0.95. */
    precisionTarget: z.number().gt(0).max(1).default(0.95),
    /**
     * Three or more classes: 'argmax' (absent), or 'maxMacroF1' to tune a per-class offset on the
     * calibrated log-probabilities for validation macro-F1 (core/ml/class-offsets.ts).
     */
    multiclass: z.enum(['argmax', 'maxMacroF1']).optional(),
  })
  .default({ objective: 'maxF1', precisionTarget: 0.95 });

const gateSchema = z
  .object({
    /** The student passes when its macro-F1 is at least this fraction of the teacher's. Default 0.95. */
    minMacroF1Ratio: z.number().min(0).max(1).default(0.95),
    /**
     * The student fails when its macro-F1 is more than this below the production version's, scored on the
     * same test rows (champion/challenger). Default 0.005.
     */
    maxChampionMacroF1Drop: z.number().min(0).max(1).default(0.005),
  })
  .default({ minMacroF1Ratio: 0.95, maxChampionMacroF1Drop: 0.005 });

/** The schema of a pipeline run's configuration. */
export const pipelineConfigSchema = z.object({
  /** Absolute path of the input CSV. */
  dataPath: z.string().min(1),
  /**
   * Path of the published test split, in the same format as `dataPath`: its rows become the test split
   * as they are, and validation is carved (stratified, seeded) from `dataPath` only; `split.test` is then
   * unused. Default none (all three splits come from `dataPath`).
   */
  testDataPath: z.string().min(1).optional(),
  /** Name of the label column. */
  label: z.string().min(1),
  /** Name of the free-text column, if any. */
  text: z.string().min(1).optional(),
  /** Tabular feature columns; by default every column that is not the label or the text. */
  features: z.array(z.string().min(1)).optional(),
  /** Registered model name. */
  modelName: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, . _ - (max 100)'),
  /** Seed of every random choice (split, initialisation, shuffling). Default 42. */
  seed: z.number().int().min(0).default(42),
  /** How to read the file; every field unset is detected (format, dialect sniffing). */
  csv: csvSchema,
  /** Extra cell values read as missing besides the empty field (e.g. '?', 'N/A'). Default none. */
  missingValues: z.array(z.string()).default([]),
  cleaning: cleaningSchema,
  dedupe: dedupeSchema,
  standardize: standardizeSchema,
  split: splitSchema,
  selection: selectionSchema,
  drift: driftSchema,
  teacher: teacherSchema,
  student: studentSchema,
  distillation: distillationSchema,
  decision: decisionSchema,
  gate: gateSchema,
  /** Who started the run; recorded in lineage. */
  triggeredBy: z.string().default('cli'),
});

/** A complete, validated configuration with every default applied. */
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
/** What a caller may pass: everything with a default is optional. */
export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;

/**
 * Validates a configuration and applies defaults.
 * @throws InvalidConfigError naming the first offending field.
 */
export function parsePipelineConfig(input: unknown): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidConfigError(issue?.path.join('.') || '(root)', issue?.message ?? 'invalid');
  }
  const config = result.data;
  if (config.split.validation + config.split.test >= 0.8) {
    throw new InvalidConfigError('split', 'validation + test must leave at least 20 % of rows for training');
  }
  if (config.testDataPath !== undefined && config.testDataPath === config.dataPath) {
    throw new InvalidConfigError('testDataPath', 'must name a file other than dataPath');
  }
  const selectionInput = (input as { selection?: { maxTabularFeatures?: unknown } }).selection;
  const kGiven = selectionInput?.maxTabularFeatures !== undefined;
  const problem = dataConfigProblem({ ...config, kGiven });
  if (problem) throw new InvalidConfigError(...problem);
  return config;
}
