import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@rebound/testing';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** The broker as a child process through its CLI, so tests can SIGKILL and restart it. */
export class BrokerProcess {
  #child: ChildProcess | null = null;
  output = '';
  readonly args: string[];

  constructor(args: string[]) {
    this.args = args;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--conditions=development', CLI, ...this.args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    const before = this.output.length;
    child.stderr!.on('data', (chunk) => {
      this.output += chunk;
      if (process.env.KAFKA_DEV_VERBOSE) process.stderr.write(chunk);
    });
    await waitFor(() => this.output.slice(before).includes('listening on') || child.exitCode !== null, {
      description: 'broker listening',
    });
    if (child.exitCode !== null) throw new Error(`broker exited: ${this.output}`);
  }

  async stop(signal: 'SIGTERM' | 'SIGINT' | 'SIGKILL'): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = once(child, 'exit');
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    this.#child = null;
    return code;
  }
}
