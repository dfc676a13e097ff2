/** The code version recorded in lineage: package version plus the git commit when known. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PROJECT_ROOT } from './runtime';

/** `distillery@0.1.0+<commit>` (`+<commit>-dirty` with uncommitted changes), or the bare version. */
export function codeVersion(): string {
  const { name, version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<
    string,
    string
  >;
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', '--short=12', 'HEAD').toString().trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no').toString().trim() !== '';
    return `${name}@${version}+${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    return `${name}@${version}`;
  }
}
