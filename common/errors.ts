/**
 * Typed errors. Each carries a stable `type` string: activities turn them into non-retryable
 * Temporal failures with that type, and callers match on the type rather than on `instanceof`
 * (which does not survive the workflow sandbox or a process boundary).
 */
export type ErrorType =
  | 'InvalidConfig'
  | 'DataNotFound'
  | 'CsvParseError'
  | 'SchemaError'
  | 'SplitError'
  | 'FeatureSelectionError'
  | 'DataDrift'
  | 'IntegrityError'
  | 'TeacherNotFound'
  | 'TrainingDiverged'
  | 'BackendError'
  | 'RegistryError'
  | 'NoWorker'
  | 'ApiError';

/**
 * Error types that a retry cannot fix: bad input, bad configuration, corrupted or missing files,
 * a diverged training run. Every other failure (I/O hiccups, crashes, timeouts) is retried.
 */
export const NON_RETRYABLE_ERROR_TYPES: readonly ErrorType[] = [
  'InvalidConfig',
  'DataNotFound',
  'CsvParseError',
  'SchemaError',
  'SplitError',
  'FeatureSelectionError',
  'DataDrift',
  'IntegrityError',
  'TeacherNotFound',
  'TrainingDiverged',
  'BackendError',
];

/** Base class of every Distillery error; `details` is small, JSON-safe context for reports. */
export class DistilleryError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = type;
  }
}

/** Thrown when a run configuration cannot work; raised before any workflow starts. */
export class InvalidConfigError extends DistilleryError {
  constructor(field: string, message: string) {
    super('InvalidConfig', `invalid configuration: ${field}: ${message}`, { field });
  }
}

/** Thrown when an artifact's bytes no longer match the SHA-256 it was stored under. */
export class IntegrityError extends DistilleryError {
  constructor(uri: string, expected: string, actual: string) {
    super('IntegrityError', `artifact ${uri} failed its integrity check: expected sha256 ${expected}, got ${actual}`, {
      uri,
      expected,
      actual,
    });
  }
}

/** Thrown when the input data file does not exist or cannot be read. */
export class DataNotFoundError extends DistilleryError {
  constructor(path: string, reason: string) {
    super('DataNotFound', `data file ${path} cannot be read: ${reason}`, { path });
  }
}

/**
 * Thrown before a teacher is loaded from a local folder that lacks files it needs; names the
 * absolute folder that was checked and every missing file. Nothing is fetched from a network.
 */
export class TeacherNotFoundError extends DistilleryError {
  constructor(folder: string, missing: readonly string[]) {
    super('TeacherNotFound', `teacher model files not found in ${folder}: missing ${missing.join(', ')}`, {
      folder,
      missing: [...missing],
    });
  }
}
