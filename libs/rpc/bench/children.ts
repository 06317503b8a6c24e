/** Bench processes: servers and sinks that print `PORT <n>` when listening, clients that print one JSON line. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export interface Listening {
  readonly child: ChildProcess;
  readonly address: string;
}

const script = (name: string) => new URL(name, import.meta.url).pathname;

/** Starts `node bench/<args>` and resolves once it printed `PORT <n>`. Stop it by ending its stdin. */
export async function startListening(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Listening> {
  const [name, ...rest] = args;
  const child = spawn(process.execPath, ['--conditions=development', script(name!), ...rest], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /^PORT (\d+)$/.exec(line);
    if (match) return { child, address: `127.0.0.1:${match[1]}` };
  }
  throw new Error(`${args.join(' ')} exited before listening`);
}

/** Ends the child's stdin (its cue to stop) and waits for it to exit; resolves with what it printed meanwhile. */
export async function stopListening({ child }: Listening): Promise<string> {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stdin?.end();
  if (child.exitCode === null) await once(child, 'exit');
  return out;
}

/** Runs `node bench/<args>` to completion and parses the last line it printed as JSON. */
export async function runForJson<T>(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const [name, ...rest] = args;
  const child = spawn(process.execPath, ['--conditions=development', script(name!), ...rest], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${args.join(' ')} exited ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

export interface Worker {
  /** Sends one command line and resolves with the JSON line the worker answers. */
  run<T>(command: string): Promise<T>;
  /** Ends the worker's stdin (its cue to stop) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts `node bench/<args>`, a worker that prints `READY`, then answers each stdin line with one JSON line. */
export async function startWorker(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Worker> {
  const [name, ...rest] = args;
  const child = spawn(process.execPath, ['--conditions=development', script(name!), ...rest], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${args.join(' ')} exited (code ${child.exitCode})`);
    return value;
  };
  if ((await next()) !== 'READY') throw new Error(`${args.join(' ')} did not start`);
  return {
    async run<T>(command: string): Promise<T> {
      child.stdin!.write(`${command}\n`);
      return JSON.parse(await next()) as T;
    },
    async stop() {
      child.stdin!.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
