import { spawnSync } from 'node:child_process';

export interface RunResult {
  readonly status: number | null;
  readonly output: string;
}

/** Runs a tool (promtool, amtool) to completion; stdout and stderr together, for assertion messages. */
export function run(binary: string, args: readonly string[], cwd?: string): RunResult {
  const result = spawnSync(binary, args, { encoding: 'utf8', cwd, timeout: 60_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}
