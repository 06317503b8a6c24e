import { parseArgs } from 'node:util';

export class UsageError extends Error {}

export const USAGE = `Usage: pnpm scenario <command> [flags]

Commands:
  list                         every scenario: name, mechanism, in CI, what it proves
  run <name...|ci|all>         run scenarios one after another against the platform; 'ci' is the CI subset
  gameday --seed N --minutes M a seeded random schedule of faults under load, a verdict per fault and overall

Flags:
  --data-dir <dir>   the running platform's data dir (default .data, as npm start)
  --start            start a platform of its own (free ports, temp dir) and stop it afterwards
  --report <file>    write the JSON report there (default <data-dir>/scenarios/report.json)
  --window <s>       length of each steady-state window (default 10)
  --seed <n>         seed of the traffic (and of the game day's schedule), default 1
  --minutes <m>      game day length (default 10)
  --json             list: print JSON
  -h, --help         this text`;

export interface CliOptions {
  readonly command: 'list' | 'run' | 'gameday' | 'help';
  readonly names: readonly string[];
  readonly dataDir: string | undefined;
  readonly start: boolean;
  readonly report: string | undefined;
  readonly windowMs: number;
  readonly seed: number;
  readonly minutes: number;
  readonly json: boolean;
}

function integer(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw new UsageError(`${flag} expects an integer in ${min}..${max}, got '${value}'`);
  }
  return number;
}

/** Parses the arguments after `scenario`; throws `UsageError` with one clear line. */
export function parseCli(argv: readonly string[]): CliOptions {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        start: { type: 'boolean' },
        report: { type: 'string' },
        window: { type: 'string' },
        seed: { type: 'string' },
        minutes: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [command = 'help', ...names] = parsed.positionals;
  if (values.help === true || command === 'help') return { ...defaults(), command: 'help' };
  if (command !== 'list' && command !== 'run' && command !== 'gameday') {
    throw new UsageError(`unknown command '${command}': expected list, run or gameday (see --help)`);
  }
  if (command === 'run' && names.length === 0)
    throw new UsageError("run needs scenario names, 'ci' or 'all'");
  if (command === 'gameday' && values.seed === undefined) throw new UsageError('gameday needs --seed N');
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  if (values['data-dir'] !== undefined && values.start === true) {
    throw new UsageError('--data-dir and --start exclude each other');
  }
  return {
    command,
    names,
    dataDir: text('data-dir'),
    start: values.start === true,
    report: text('report'),
    windowMs: integer('--window', text('window'), 10, 2, 600) * 1_000,
    seed: integer('--seed', text('seed'), 1, 0, 2 ** 32 - 1),
    minutes: integer('--minutes', text('minutes'), 10, 1, 24 * 60),
    json: values.json === true,
  };
}

function defaults(): Omit<CliOptions, 'command'> {
  return {
    names: [],
    dataDir: undefined,
    start: false,
    report: undefined,
    windowMs: 10_000,
    seed: 1,
    minutes: 10,
    json: false,
  };
}
