/**
 * Typed errors of the data core. Each carries the stable `type` of {@link DistilleryError}, so that
 * activities can turn it into a non-retryable failure and callers match on the type string.
 */
import { DistilleryError } from '../../common/errors';

/** Thrown when a delimited file cannot be parsed: ragged rows, bad encoding, an empty file. */
export class CsvParseError extends DistilleryError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('CsvParseError', message, details, options);
  }
}

/** Thrown when columns are missing, duplicated or of the wrong type for the step asked of them. */
export class SchemaError extends DistilleryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SchemaError', message, details);
  }
}

/** Thrown when the rows cannot be split as asked, e.g. a class has too few rows to stratify. */
export class SplitError extends DistilleryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SplitError', message, details);
  }
}

/** Thrown when a feature-selection score is undefined for the data given (e.g. chi² on negative values). */
export class FeatureSelectionError extends DistilleryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('FeatureSelectionError', message, details);
  }
}

/** Thrown when the data drifted from the previous run's profile and the drift policy says 'fail'. */
export class DataDriftError extends DistilleryError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('DataDrift', message, details);
  }
}
