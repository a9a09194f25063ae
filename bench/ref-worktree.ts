// A git ref checked out beside the working tree for `npm run bench -- --compare REF`: `git worktree add --detach`
// into a temporary directory (the working tree and its uncommitted changes are never touched), node_modules
// symlinked from the working tree (the ref runs with today's dependencies), removed again afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A checked-out ref: where it is, which commit, and how to remove it. */
export interface RefWorktree {
  dir: string;
  commit: string;
  remove(): void;
}

const git = (root: string, args: string[]) =>
  execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** The commit `ref` names in the repository at `root`; throws with git's message when it names none. */
export function resolveCommit(root: string, ref: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`${ref}: not a commit of this repository (git rev-parse found nothing)`);
  }
}

/** Checks `ref` out into a new temporary worktree of the repository at `root`, with `root`'s node_modules linked in. */
export function addRefWorktree(root: string, ref: string): RefWorktree {
  const commit = resolveCommit(root, ref);
  const parent = mkdtempSync(join(tmpdir(), 'oauth3-bench-ref-'));
  const dir = join(parent, 'tree');
  git(root, ['worktree', 'add', '--detach', dir, commit]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  let removed = false;
  return {
    dir,
    commit,
    remove() {
      if (removed) return;
      removed = true;
      try {
        rmSync(join(dir, 'node_modules')); // the link only, first: nothing below may follow it into the tree's
        git(root, ['worktree', 'remove', '--force', dir]);
      } finally {
        rmSync(parent, { recursive: true, force: true });
        git(root, ['worktree', 'prune']);
      }
    },
  };
}
