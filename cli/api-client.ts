/**
 * The CLI's client of the Distillery HTTP API: the base URL and key come from `--api-url` and
 * `--api-key`, or from `DISTILLERY_API_URL` and `DISTILLERY_API_KEY`.
 */
import { DistilleryError, InvalidConfigError } from '../common/errors';

/** Where the API is and the key to present. */
export interface ApiTarget {
  readonly url: string;
  readonly key: string;
}

/** Thrown when the API answers with an error status; the message is the API's, with the field at fault. */
export class ApiRequestError extends DistilleryError {
  constructor(method: string, path: string, status: number, body: { message?: unknown; field?: unknown }) {
    const message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? 'no message');
    const field = typeof body.field === 'string' ? ` (field ${body.field})` : '';
    super('ApiError', `${method} ${path} answered ${status}: ${message}${field}`, { status, path, field: body.field });
  }
}

/**
 * The API target from the command's options, else the environment.
 * @throws InvalidConfigError naming the option to give when the URL or key is missing.
 */
export function apiTarget(options: { apiUrl?: string; apiKey?: string }, env = process.env): ApiTarget {
  const url = options.apiUrl ?? env.DISTILLERY_API_URL;
  const key = options.apiKey ?? env.DISTILLERY_API_KEY;
  if (!url) throw new InvalidConfigError('--api-url', 'give the API URL (or set DISTILLERY_API_URL)');
  if (!key) throw new InvalidConfigError('--api-key', 'give an API key (or set DISTILLERY_API_KEY)');
  return { url: url.replace(/\/+$/, ''), key };
}

/** A JSON client of one API target. */
export class ApiClient {
  constructor(private readonly target: ApiTarget) {}

  /** Sends a request; resolves with the JSON body (undefined for 204). @throws ApiRequestError. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.target.url + path, {
      method,
      headers: {
        'x-api-key': this.target.key,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok)
      throw new ApiRequestError(method, path, response.status, (parsed ?? {}) as Record<string, unknown>);
    return parsed as T;
  }
}
