import { spawnSync } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (libs/contracts), whatever the caller's working directory. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The committed baseline the breaking check compares against. */
export const baselineDir = join(packageRoot, 'proto-baseline');

export interface BufResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly output: string;
}

/**
 * Runs the `buf` binary shipped in the `@bufbuild/buf` npm package. Every command used here works offline:
 * generation calls ts-proto as a local plugin, and the breaking check reads two local directories.
 */
export function runBuf(args: readonly string[], cwd: string = packageRoot): BufResult {
  const bin = join(packageRoot, 'node_modules', '.bin');
  const result = spawnSync(join(bin, 'buf'), args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
  });
  if (result.error) throw result.error;
  return {
    ok: result.status === 0,
    status: result.status,
    output: `${result.stdout}${result.stderr}`.trim(),
  };
}

/**
 * Compares a module directory holding `buf.yaml` (default: this package) with the committed baseline.
 * `ok` is false when a change would break existing clients or servers (see README, "What the check forbids").
 */
export function checkBreaking(moduleDir: string = packageRoot): BufResult {
  return runBuf(['breaking', moduleDir, '--against', baselineDir], moduleDir);
}
