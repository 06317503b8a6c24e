// `pnpm load`: the traffic generator's command line. Flags in cli.args.ts, commands in control.commands.ts.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseCli, USAGE, UsageError } from './cli.args.ts';
import { CommandError, parseCommand } from './control.commands.ts';
import { type ControlServer, startControlServer } from './control.server.ts';
import { errorReason, httpTransport } from './http.transport.ts';
import { LoadRunner } from './load.runner.ts';
import { describeSettings } from './load.settings.ts';
import { formatSecond, formatSummary } from './report.format.ts';
import { seededRandom } from './seeded.random.ts';

/** Anonymous memory (heap, code, buffers) from /proc/self/smaps_rollup on Linux; undefined elsewhere. */
function anonymousMemory(): number | undefined {
  try {
    const match = /^Anonymous:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1_024;
  } catch {
    return undefined;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseCli>;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`load: ${error.message}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // With --json, stdout carries only the summary; everything a person reads goes to stderr.
  const live = options.json ? process.stderr : process.stdout;
  const say = (line: string) => live.write(`${line}\n`);

  const transport = httpTransport({
    url: options.url,
    connections: options.connections,
    timeoutMs: options.timeoutMs,
  });
  const runner = new LoadRunner({
    transport,
    apiKeys: options.apiKeys,
    abuserKey: options.abuserKey,
    badBodyKey: options.badBodyKey,
    settings: options.settings,
    random: seededRandom(options.seed),
    arrivals: options.arrivals,
    maxInFlight: options.maxInFlight,
    memoryUsage: () => process.memoryUsage.rss(),
    anonymousMemory,
    ...(options.quiet ? {} : { onSecond: (stats) => say(formatSecond(stats)) }),
  });

  let requestStop: (why: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    requestStop = resolve;
  });

  say(
    `load: ${options.url}, ${describeSettings(runner.settings)}, shoppers' keys ${options.apiKeys.join(',')}, ` +
      `seed ${options.seed}, ${options.durationS === undefined ? "until Ctrl-C or 'stop'" : `for ${options.durationS}s`}`,
  );
  try {
    const probe = await transport({
      method: 'GET',
      path: '/api/products?pageSize=1',
      headers: { 'x-api-key': options.apiKeys[0] ?? '' },
    });
    if (probe.status !== 200)
      say(`load: warning: GET /api/products answered ${probe.status}; sending anyway`);
  } catch (error) {
    say(
      `load: warning: ${options.url} does not answer (${errorReason(error)}); is the platform running (npm start)? sending anyway`,
    );
  }

  const handle = (line: string): string => {
    const answer = runner.execute(parseCommand(line));
    if (answer.stop) requestStop('stop command');
    return answer.message;
  };
  let control: ControlServer | undefined;
  if (options.controlPort !== undefined) {
    control = await startControlServer(
      { execute: (line) => ({ message: handle(line), stop: false }), status: () => runner.status() },
      options.controlPort,
    );
    say(`load: control ${control.url} (GET /status, POST /command)`);
  }
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    if (line.trim() === '') return;
    try {
      say(handle(line));
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      say(`load: ${error.message}`);
    }
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) process.exit(130);
    requestStop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const timer =
    options.durationS === undefined
      ? undefined
      : setTimeout(() => requestStop('duration'), options.durationS * 1_000);

  runner.start();
  await stopped;
  if (timer !== undefined) clearTimeout(timer);
  if (runner.inFlight > 0) {
    say(`load: stopping; waiting up to ${options.drainS}s for ${runner.inFlight} operations in flight`);
  }
  const summary = await runner.stop(options.drainS * 1_000);
  input.close();
  process.stdin.destroy();
  await control?.close();
  await transport.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ target: options.url, seed: options.seed, settings: runner.settings, ...summary })}\n`,
    );
  } else {
    say(formatSummary(summary));
  }
  return 0;
}

// A reader that went away (`pnpm load --help | head`) ends the run quietly instead of with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
