/** Turns the registry's typed errors into HTTP responses. */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Inject, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { RegistryError, type RegistryErrorReason } from '../../registry/errors';

/** HTTP status of each reason the registry gives for refusing an operation. */
export const REGISTRY_ERROR_STATUS: Readonly<Record<RegistryErrorReason, HttpStatus>> = {
  'not found': HttpStatus.NOT_FOUND,
  'invalid input': HttpStatus.BAD_REQUEST,
  'has versions': HttpStatus.CONFLICT,
  'has aliases': HttpStatus.CONFLICT,
  archived: HttpStatus.CONFLICT,
  'migration failed': HttpStatus.SERVICE_UNAVAILABLE,
};

/** JSON body of a response to a {@link RegistryError}; `details` is the error's own context. */
export interface RegistryErrorBody {
  readonly statusCode: number;
  readonly error: 'RegistryError';
  readonly reason: RegistryErrorReason;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Answers a {@link RegistryError} with the status of its reason (see {@link REGISTRY_ERROR_STATUS})
 * and a {@link RegistryErrorBody}, e.g. 404 naming the model and version that do not exist.
 * Server-side failures are logged; refusals caused by the request are not.
 */
@Catch(RegistryError)
export class RegistryErrorFilter implements ExceptionFilter<RegistryError> {
  private readonly logger = new Logger(RegistryErrorFilter.name);

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: RegistryError, host: ArgumentsHost): void {
    const { reason, ...details } = error.details;
    const statusCode = REGISTRY_ERROR_STATUS[reason];
    if (statusCode >= 500) this.logger.error({ msg: 'registry failed', reason, error: error.message });

    const body: RegistryErrorBody = { statusCode, error: 'RegistryError', reason, message: error.message, details };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, statusCode);
  }
}
