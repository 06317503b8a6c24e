import { parseArgs } from 'node:util';
import type { ArrivalProcess } from './arrival.scheduler.ts';
import { DEFAULT_SETTINGS, type LoadSettings } from './load.settings.ts';
import { applyMix, MixError, parseMix } from './operation.mix.ts';

/** A command line that cannot be run; its message is the one line printed before exiting with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The local platform's port plan (infra/local/src/platform.topology.ts): the gateway is slot 6, `base + 60`. */
export const DEFAULT_BASE_PORT = 7400;
const GATEWAY_OFFSET = 60;
/** The local gateway's API keys (`API_KEYS` default in apps/gateway/src/config/gateway.config.ts). */
const LOCAL_KEYS = ['key-a', 'key-b'];

export interface LoadOptions {
  readonly url: string;
  readonly settings: LoadSettings;
  readonly apiKeys: readonly string[];
  readonly abuserKey: string;
  readonly badBodyKey: string;
  readonly arrivals: ArrivalProcess;
  /** Seconds; undefined = until Ctrl-C or `stop`. */
  readonly durationS: number | undefined;
  readonly seed: number;
  readonly maxInFlight: number;
  readonly connections: number;
  readonly timeoutMs: number;
  readonly drainS: number;
  /** undefined = no control port; 0 = any free port. */
  readonly controlPort: number | undefined;
  readonly json: boolean;
  readonly quiet: boolean;
}

export type CliCommand = { readonly help: true } | ({ readonly help: false } & LoadOptions);

export const USAGE = `Usage: pnpm load [flags]

Open-model traffic against the gateway: shoppers arrive at --rate per second whatever the answers do
(browse, product pages, checkouts of 1-3 lines, order look-ups), optionally with an abusive client and a
bad-body client. One line per second; a summary at the end (Ctrl-C, 'stop', or --duration).

Target:
  --url <url>              the gateway (default http://127.0.0.1:${DEFAULT_BASE_PORT + GATEWAY_OFFSET})
  --base-port <port>       the local platform's base port instead: http://127.0.0.1:<base+${GATEWAY_OFFSET}>
Traffic:
  --rate <n>               shoppers' arrivals per second (default ${DEFAULT_SETTINGS.rate})
  --mix <op=share,...>     browse, product, checkout, lookup (default browse=0.4,product=0.35,checkout=0.15,lookup=0.1)
  --arrivals <kind>        poisson (default) or uniform
  --api-keys <k1,k2,...>   the shoppers' keys (default ${LOCAL_KEYS.join(',')}, minus the abuser's)
  --abuser                 add a client above its rate limit (ignores 429 and Retry-After)
  --abuser-rate <n>        its requests per second (default ${DEFAULT_SETTINGS.abuser.rate}; the gateway allows 20)
  --abuser-key <key>       its API key (default key-b)
  --bad-bodies             add a client sending bodies the edge must refuse (400, 413, 415)
  --bad-rate <n>           its requests per second (default ${DEFAULT_SETTINGS.badBodies.rate})
  --bad-key <key>          its API key (default key-a)
Run:
  --duration <time>        stop after this long: 90, 90s, 5m (default: until Ctrl-C or 'stop')
  --seed <n>               seed of every random choice (default: random, printed)
  --max-inflight <n>       operations at once; arrivals beyond are counted as dropped (default 256)
  --connections <n>        HTTP connections to the gateway (default 32)
  --timeout <ms>           per request (default 10000)
  --drain <s>              at the end, wait this long for operations in flight (default 5)
  --control-port <port>    serve GET /status and POST /command on 127.0.0.1 (0: any free port)
  --json                   the summary as JSON on stdout (the live lines go to stderr)
  --quiet                  no live lines
  -h, --help               this text

While it runs, type a command and Enter: rate 50 | mix checkout=0.3 | abuser on|off|<n> | bad on|off|<n>
| pause | resume | status | stop | help. Details: docs/load.md.`;

function number(flag: string, value: string | undefined, min: number, max: number, integer = false): number {
  const parsed = Number(value);
  const shape = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (value === undefined || !shape.test(value) || parsed < min || parsed > max) {
    throw new UsageError(
      `${flag} expects ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got '${value ?? ''}'`,
    );
  }
  return parsed;
}

/** `90`, `90s`, `5m`, `1h` → seconds. */
function duration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value);
  if (match === null || Number(match[1]) <= 0) {
    throw new UsageError(`--duration expects a time such as 90, 90s or 5m, got '${value}'`);
  }
  return Number(match[1]) * { s: 1, m: 60, h: 3_600 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
}

function keys(flag: string, value: string): string[] {
  const list = value
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');
  if (list.length === 0) throw new UsageError(`${flag} expects key[,key...], got '${value}'`);
  return list;
}

/** Parses `argv` (without node and the script); throws `UsageError` with one clear line. */
export function parseCli(
  argv: readonly string[],
  randomSeed = () => Math.floor(Math.random() * 2 ** 31),
): CliCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'base-port': { type: 'string' },
        rate: { type: 'string' },
        mix: { type: 'string' },
        arrivals: { type: 'string' },
        'api-keys': { type: 'string' },
        abuser: { type: 'boolean' },
        'abuser-rate': { type: 'string' },
        'abuser-key': { type: 'string' },
        'bad-bodies': { type: 'boolean' },
        'bad-rate': { type: 'string' },
        'bad-key': { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        'max-inflight': { type: 'string' },
        connections: { type: 'string' },
        timeout: { type: 'string' },
        drain: { type: 'string' },
        'control-port': { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see --help)`);
  }
  if (values.help) return { help: true };
  const text = (name: string) => values[name] as string | undefined;

  if (text('url') !== undefined && text('base-port') !== undefined) {
    throw new UsageError('--url and --base-port name the target twice: give one');
  }
  let url = `http://127.0.0.1:${DEFAULT_BASE_PORT + GATEWAY_OFFSET}`;
  const basePort = text('base-port');
  if (basePort !== undefined)
    url = `http://127.0.0.1:${number('--base-port', basePort, 1024, 65_000, true) + GATEWAY_OFFSET}`;
  const givenUrl = text('url');
  if (givenUrl !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(givenUrl);
    } catch {
      throw new UsageError(`--url expects an http:// or https:// URL, got '${givenUrl}'`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UsageError(`--url expects an http:// or https:// URL, got '${givenUrl}'`);
    }
    url = parsed.origin;
  }

  let mix = DEFAULT_SETTINGS.mix;
  const mixText = text('mix');
  if (mixText !== undefined) {
    try {
      mix = applyMix(mix, parseMix(mixText));
    } catch (error) {
      if (error instanceof MixError) throw new UsageError(`--mix: ${error.message}`);
      throw error;
    }
  }
  const arrivals = text('arrivals') ?? 'poisson';
  if (arrivals !== 'poisson' && arrivals !== 'uniform') {
    throw new UsageError(`--arrivals expects poisson or uniform, got '${arrivals}'`);
  }

  const abuser = values.abuser === true;
  const abuserKey = text('abuser-key') ?? 'key-b';
  const givenKeys = text('api-keys');
  let apiKeys = givenKeys !== undefined ? keys('--api-keys', givenKeys) : LOCAL_KEYS;
  // The abuser's key gets throttled and blocked: the shoppers keep away from it unless told otherwise.
  if (abuser && givenKeys === undefined) apiKeys = apiKeys.filter((key) => key !== abuserKey);
  if (apiKeys.length === 0) throw new UsageError('no API key left for the shoppers: pass --api-keys');

  const controlPort = text('control-port');
  return {
    help: false,
    url,
    settings: {
      ...DEFAULT_SETTINGS,
      rate: text('rate') === undefined ? DEFAULT_SETTINGS.rate : number('--rate', text('rate'), 0, 100_000),
      mix,
      abuser: {
        enabled: abuser,
        rate:
          text('abuser-rate') === undefined
            ? DEFAULT_SETTINGS.abuser.rate
            : number('--abuser-rate', text('abuser-rate'), 0, 100_000),
      },
      badBodies: {
        enabled: values['bad-bodies'] === true,
        rate:
          text('bad-rate') === undefined
            ? DEFAULT_SETTINGS.badBodies.rate
            : number('--bad-rate', text('bad-rate'), 0, 100_000),
      },
    },
    apiKeys,
    abuserKey,
    badBodyKey: text('bad-key') ?? 'key-a',
    arrivals,
    durationS: text('duration') === undefined ? undefined : duration(text('duration') as string),
    seed: text('seed') === undefined ? randomSeed() : number('--seed', text('seed'), 0, 2 ** 32 - 1, true),
    maxInFlight:
      text('max-inflight') === undefined
        ? 256
        : number('--max-inflight', text('max-inflight'), 1, 100_000, true),
    connections:
      text('connections') === undefined ? 32 : number('--connections', text('connections'), 1, 1_024, true),
    timeoutMs:
      text('timeout') === undefined ? 10_000 : number('--timeout', text('timeout'), 1, 600_000, true),
    drainS: text('drain') === undefined ? 5 : number('--drain', text('drain'), 0, 600),
    controlPort:
      controlPort === undefined ? undefined : number('--control-port', controlPort, 0, 65_535, true),
    json: values.json === true,
    quiet: values.quiet === true,
  };
}
