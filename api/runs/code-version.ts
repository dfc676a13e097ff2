/**
 * The code version the API records on the runs it starts, in the CLI's format (`cli/version.ts`):
 * `name@version+<commit>` from the project's package.json and git, or `name@version` without git.
 * Kept separate from the CLI's so the API process does not load the worker runtime.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The code version of the project this file belongs to (sources or a dist/ build). */
export function apiCodeVersion(): string {
  const root = [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((dir) =>
    existsSync(join(dir, 'package.json')),
  );
  if (!root) return 'unknown';
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, string>;
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', '--short=12', 'HEAD').toString().trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no').toString().trim() !== '';
    return `${name}@${version}+${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    return `${name}@${version}`;
  }
}
