import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

/** Everything a stream printed so far, and a way to await a line that matches. */
export class StreamText {
  #text = '';
  readonly #waiters = new Set<() => void>();

  constructor(stream: Readable) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.#text += chunk;
      for (const wake of this.#waiters) wake();
    });
  }

  get text(): string {
    return this.#text;
  }

  /** Resolves with the first match of `pattern` once it has been printed; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = this.#text.match(pattern);
        if (match === null) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(match);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern} in:\n${this.#text}`));
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

/** Resolves with the exit code (or the signal's name) of a child process. */
export function exitOf(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}
