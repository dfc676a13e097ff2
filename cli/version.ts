/** The code version of this checkout, as recorded in lineage by runs the CLI starts. */
import { codeVersion as codeVersionOf } from '../common/code-version';
import { PROJECT_ROOT } from './runtime';

/** `distillery@0.1.0+<commit>` (`+<commit>-dirty` with uncommitted changes), or the bare version. */
export function codeVersion(): string {
  return codeVersionOf(PROJECT_ROOT);
}
