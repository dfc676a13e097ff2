/**
 * Request validation with zod: one schema per body or query, which is also what the OpenAPI
 * document shows (converted with `z.toJSONSchema`). A refusal is a 400 listing every field at fault.
 */
import { BadRequestException, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';

/** One field at fault: its dotted path (`config.distillation.temperature`) and what is wrong. */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** Body of a 400 answered to an invalid request. */
export interface ValidationErrorBody {
  readonly statusCode: 400;
  readonly error: 'ValidationError';
  readonly message: string;
  readonly field: string;
  readonly issues: readonly FieldIssue[];
}

/** The 400 exception for the given field issues; `message` names the first. */
export function validationError(issues: readonly FieldIssue[]): BadRequestException {
  const first = issues[0] ?? { field: '(root)', message: 'invalid' };
  const body: ValidationErrorBody = {
    statusCode: 400,
    error: 'ValidationError',
    message: `invalid request: ${first.field}: ${first.message}`,
    field: first.field,
    issues,
  };
  return new BadRequestException(body);
}

/** Field issues of a zod error, paths prefixed with `prefix` when given. */
export function issuesOf(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Parses `value` with `schema`. @throws BadRequestException ({@link ValidationErrorBody}). */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(issuesOf(result.error));
  return result.data;
}

/** A pipe validating a body or query object: `@Body(new ZodPipe(schema))`. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    return parseRequest(this.schema, value);
  }
}

/** The OpenAPI 3.0 schema of what a request may send (defaults make fields optional). */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** The OpenAPI 3.0 schema of what a route answers. */
export function openApiResponseSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'output' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** A positive integer path or query parameter, e.g. a version number. */
export const positiveInt = z.coerce.number().int().positive();
