/** A command line that cannot be run; `message` is the one line printed before exiting with 2. */
export class UsageError extends Error {
  readonly isUsageError = true;
}

export interface UpCommand {
  readonly command: 'up';
  readonly only: readonly string[] | undefined;
  readonly replicas: Readonly<Record<string, number>>;
  readonly basePort: number | undefined;
  readonly dataDir: string | undefined;
  readonly topology: string | undefined;
  readonly restart: {
    initialBackoffMs?: number;
    maxBackoffMs?: number;
    terminationGraceMs?: number;
  };
}

export interface StatusCommand {
  readonly command: 'status';
  readonly dataDir: string | undefined;
  readonly json: boolean;
}

export type Command = { readonly command: 'help' } | UpCommand | StatusCommand;

export const USAGE = `Usage: node infra/local/src/cli.ts <command> [flags]

Commands:
  up        start everything that exists and supervise it until Ctrl-C (npm start)
  status    print the status table of the running supervisor

Flags of up:
  --only <a,b>             run only these entries (dependencies are not added)
  --replicas <name=N>      replicas of one entry (repeatable), 1..5
  --base-port <port>       first port of the port plan (default 7400)
  --data-dir <dir>         where data and supervisor.json live (default .data)
  --topology <file.ts>     a module whose default export replaces the platform topology
  --backoff-initial <ms>   first restart delay (default 1000), doubling per crash
  --backoff-max <ms>       longest restart delay (default 30000)
  --grace <ms>             SIGTERM to SIGKILL grace period (default 5000)

Flags of status:
  --data-dir <dir>         where supervisor.json lives (default .data)
  --json                   print the raw JSON status

  -h, --help               this text`;

function integer(flag: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(`${flag} expects an integer in ${min}..${max}, got '${value}'`);
  }
  return number;
}

/** Parses `argv` (without node and the script); throws `UsageError` with one clear line. */
export function parseArgs(argv: readonly string[]): Command {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError("missing command: 'up' or 'status' (see --help)");
  if (command !== 'up' && command !== 'status') {
    throw new UsageError(`unknown command '${command}': expected 'up' or 'status' (see --help)`);
  }
  const flags = new Map<string, string[]>();
  const booleans = new Set(['--json']);
  const allowed =
    command === 'up'
      ? [
          '--only',
          '--replicas',
          '--base-port',
          '--data-dir',
          '--topology',
          '--backoff-initial',
          '--backoff-max',
          '--grace',
        ]
      : ['--data-dir', '--json'];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] ?? '';
    const [flag = '', inline] = token.startsWith('--') ? token.split(/=(.*)/s, 2) : [token];
    if (!allowed.includes(flag))
      throw new UsageError(`unknown flag '${token}' for '${command}' (see --help)`);
    if (booleans.has(flag)) {
      flags.set(flag, ['true']);
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value (see --help)`);
    flags.set(flag, [...(flags.get(flag) ?? []), value]);
  }
  const last = (flag: string) => flags.get(flag)?.at(-1);
  if (command === 'status') return { command, dataDir: last('--data-dir'), json: flags.has('--json') };
  const replicas: Record<string, number> = {};
  for (const value of flags.get('--replicas') ?? []) {
    const match = /^([a-z][a-z0-9-]*)=(\d+)$/.exec(value);
    if (!match?.[1] || !match[2]) throw new UsageError(`--replicas expects name=N, got '${value}'`);
    replicas[match[1]] = integer('--replicas', match[2], 1, 5);
  }
  const only = flags.get('--only')?.flatMap((value) => value.split(',').filter(Boolean));
  const optionalInt = (flag: string, min: number, max: number) => {
    const value = last(flag);
    return value === undefined ? undefined : integer(flag, value, min, max);
  };
  const restart: UpCommand['restart'] = {};
  const initial = optionalInt('--backoff-initial', 1, 3_600_000);
  const max = optionalInt('--backoff-max', 1, 3_600_000);
  const grace = optionalInt('--grace', 1, 600_000);
  if (initial !== undefined) restart.initialBackoffMs = initial;
  if (max !== undefined) restart.maxBackoffMs = max;
  if (grace !== undefined) restart.terminationGraceMs = grace;
  return {
    command,
    only,
    replicas,
    basePort: optionalInt('--base-port', 1024, 65_000),
    dataDir: last('--data-dir'),
    topology: last('--topology'),
    restart,
  };
}
