/**
 * The code version the API records on the runs it starts, in the same format as the CLI's. The
 * project root is found here rather than imported from the CLI, so the API never loads the worker
 * runtime.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { codeVersion } from '../../common/code-version';

/** The code version of the project this file belongs to (sources or a dist/ build). */
export function apiCodeVersion(): string {
  const root = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((dir) =>
    existsSync(join(dir, 'package.json')),
  );
  return root ? codeVersion(root) : 'unknown';
}
