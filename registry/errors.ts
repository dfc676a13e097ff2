/**
 * The registry's typed error. Activities turn it into a non-retryable Temporal failure of type
 * 'RegistryError'; callers match on `details.reason` rather than on the message.
 */
import { DistilleryError } from '../common/errors';

/** Why the registry refused an operation. */
export type RegistryErrorReason =
  'not found' | 'has versions' | 'has aliases' | 'archived' | 'invalid input' | 'migration failed';

/** Small, JSON-safe context of a {@link RegistryError}; `reason` is always present. */
export type RegistryErrorDetails = { readonly reason: RegistryErrorReason } & Readonly<Record<string, unknown>>;

/**
 * Thrown when the registry refuses an operation: an unknown model, version or run; deleting a
 * run that a model version came from; a registration whose input is incomplete; or migrations
 * that could not be applied. The message says what to fix.
 */
export class RegistryError extends DistilleryError {
  declare readonly details: RegistryErrorDetails;

  constructor(message: string, details: RegistryErrorDetails, options?: { cause?: unknown }) {
    super('RegistryError', message, details, options);
  }
}
