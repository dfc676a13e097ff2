/**
 * The code version recorded in lineage by every entry point (CLI, API, schedules): the package
 * version plus the git commit when known. Node-only; workflows never import it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `distillery@0.1.0+<commit>` (`+<commit>-dirty` with uncommitted changes to tracked files) for the
 * project whose package.json lies in `projectRoot`; the bare `name@version` outside a git checkout.
 */
export function codeVersion(projectRoot: string): string {
  const { name, version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as Record<
    string,
    string
  >;
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    const commit = git('rev-parse', '--short=12', 'HEAD').toString().trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no').toString().trim() !== '';
    return `${name}@${version}+${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    return `${name}@${version}`;
  }
}
