import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { waitFor } from '@rebound/testing';

/** A child process whose output is kept, stopped with SIGTERM (SIGKILL after 10 s). */
export class Child {
  readonly child: ChildProcess;
  out = '';
  readonly #exited: Promise<unknown>;

  constructor(command: string, args: readonly string[]) {
    this.child = spawn(command, args, {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        this.out += chunk;
      });
    }
    this.#exited = once(this.child, 'exit');
  }

  async waitFor(pattern: RegExp, description: string, timeoutMs = 60_000): Promise<RegExpExecArray> {
    return waitFor(
      () => {
        if (this.child.exitCode !== null) throw new Error(`exited: ${this.out}`);
        return pattern.exec(this.out);
      },
      { description: `${description} in:\n${this.out.slice(-2000)}`, timeoutMs, intervalMs: 50 },
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}
