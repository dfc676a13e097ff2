/** Turns Distillery's typed errors (other than the registry's) into JSON responses. */
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Inject, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

import { DistilleryError, type ErrorType } from '../../common/errors';

/** HTTP status of each error type a request can cause; any other type is a 500. */
const STATUS_OF: Partial<Record<ErrorType, HttpStatus>> = {
  InvalidConfig: HttpStatus.BAD_REQUEST,
  DataNotFound: HttpStatus.BAD_REQUEST,
  CsvParseError: HttpStatus.UNPROCESSABLE_ENTITY,
  SchemaError: HttpStatus.UNPROCESSABLE_ENTITY,
  NoWorker: HttpStatus.CONFLICT,
};

/** JSON body of a response to a {@link DistilleryError}: its type, message and details (e.g. `field`). */
export interface DistilleryErrorBody {
  readonly statusCode: number;
  readonly error: ErrorType;
  readonly message: string;
  readonly field?: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * Answers a {@link DistilleryError} with the status of its type and a {@link DistilleryErrorBody};
 * an `InvalidConfigError` is a 400 whose `field` names the configuration field at fault. Errors the
 * request did not cause (an artifact failing its integrity check) are 500 and logged.
 */
@Catch(DistilleryError)
export class DistilleryErrorFilter implements ExceptionFilter<DistilleryError> {
  private readonly logger = new Logger(DistilleryErrorFilter.name);

  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  catch(error: DistilleryError, host: ArgumentsHost): void {
    const statusCode = STATUS_OF[error.type] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    if (statusCode >= 500) this.logger.error({ msg: 'request failed', type: error.type, error: error.message });
    const field = typeof error.details.field === 'string' ? { field: error.details.field } : {};
    const body: DistilleryErrorBody = {
      statusCode,
      error: error.type,
      message: error.message,
      ...field,
      details: error.details,
    };
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, statusCode);
  }
}
