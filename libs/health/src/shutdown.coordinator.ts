import { type Clock, keepAliveClock } from '@rebound/resilience';
import { DEFAULT_DRAIN_DELAY_MS, DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_HOOK_TIMEOUT_MS } from './constants.ts';
import type { HealthProbes } from './health.probes.ts';
import { InflightTracker } from './inflight.tracker.ts';
import { delay, TIMED_OUT, within } from './timing.util.ts';

export type ShutdownHook = () => void | Promise<void>;

export type ShutdownState = 'running' | 'draining' | 'stopping' | 'stopped';

export interface ShutdownOptions {
  /** Readiness is turned off first (`probes.setDraining()`). */
  readonly probes?: HealthProbes;
  /** Wait after readiness goes false, so load balancers notice before work stops being accepted. */
  readonly drainDelayMs?: number;
  /** Bound on waiting for in-flight work and drain hooks together. */
  readonly drainTimeoutMs?: number;
  /** Bound on each shutdown hook. */
  readonly hookTimeoutMs?: number;
  readonly clock?: Clock;
  /** Ends the process; default `process.exit`. Tests pass a spy. */
  readonly exit?: (code: number) => void;
  /** One line per step; default stderr. */
  readonly log?: (line: string) => void;
}

/**
 * Graceful shutdown, in this order: readiness off → drain delay → drain hooks and in-flight work (bounded) →
 * shutdown hooks in reverse registration order (each bounded) → exit 0, or 1 if anything failed or timed out.
 * A second signal during the sequence exits 1 at once.
 */
export class ShutdownCoordinator {
  /** Work in progress; transports increment and decrement it. */
  readonly inflight = new InflightTracker();
  readonly #drainHooks: Array<{ name: string; hook: ShutdownHook }> = [];
  readonly #hooks: Array<{ name: string; hook: ShutdownHook }> = [];
  readonly #options: ShutdownOptions;
  readonly #clock: Clock;
  readonly #exit: (code: number) => void;
  readonly #log: (line: string) => void;
  #state: ShutdownState = 'running';
  #done: Promise<number> | undefined;

  constructor(options: ShutdownOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? keepAliveClock;
    this.#exit = options.exit ?? ((code) => process.exit(code));
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get state(): ShutdownState {
    return this.#state;
  }

  /**
   * Runs during draining, concurrently with waiting for in-flight work: stop accepting new work here
   * (`server.close()`, grpc `tryShutdown`, stop consuming). Bounded by `drainTimeoutMs`.
   */
  onDrain(name: string, hook: ShutdownHook): void {
    this.#drainHooks.push({ name, hook });
  }

  /** Runs after draining, in reverse registration order (last opened, first closed), each bounded. */
  onShutdown(name: string, hook: ShutdownHook): void {
    this.#hooks.push({ name, hook });
  }

  /** Installs handlers for `signals`; the first starts {@link shutdown}, the next forces exit 1. Returns an uninstaller. */
  listen(signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const handler = (signal: NodeJS.Signals) => this.signal(signal);
    for (const signal of signals) process.on(signal, handler);
    return () => {
      for (const signal of signals) process.off(signal, handler);
    };
  }

  /** What a signal does: start the sequence, or force exit 1 if it is already running. */
  signal(name: string): void {
    if (this.#done) {
      this.#log(`shutdown: second signal (${name}), forcing exit`);
      this.#exit(1);
      return;
    }
    void this.shutdown(name);
  }

  /** Runs the sequence once (later calls return the same result) and exits with its code. */
  shutdown(reason: string): Promise<number> {
    this.#done ??= this.#run(reason);
    return this.#done;
  }

  async #run(reason: string): Promise<number> {
    const { drainDelayMs = DEFAULT_DRAIN_DELAY_MS, drainTimeoutMs = DEFAULT_DRAIN_TIMEOUT_MS } =
      this.#options;
    let failed = false;
    this.#state = 'draining';
    this.#options.probes?.setDraining();
    this.#log(`shutdown: ${reason}: readiness off, draining (${this.inflight.count} in flight)`);
    if (drainDelayMs > 0) await delay(drainDelayMs, this.#clock);

    const drains = this.#drainHooks.map(({ name, hook }) =>
      Promise.resolve()
        .then(hook)
        .catch((error: unknown) => {
          failed = true;
          this.#log(`shutdown: drain hook '${name}' failed: ${describe(error)}`);
        }),
    );
    const drained = await within(
      Promise.all([...drains, this.inflight.whenIdle()]),
      drainTimeoutMs,
      this.#clock,
    );
    if (drained === TIMED_OUT) {
      failed = true;
      this.#log(`shutdown: drain timed out after ${drainTimeoutMs} ms with ${this.inflight.count} in flight`);
    }

    this.#state = 'stopping';
    const hookTimeoutMs = this.#options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
    for (const { name, hook } of [...this.#hooks].reverse()) {
      try {
        const outcome = await within(Promise.resolve().then(hook), hookTimeoutMs, this.#clock);
        if (outcome === TIMED_OUT) {
          failed = true;
          this.#log(`shutdown: hook '${name}' timed out after ${hookTimeoutMs} ms`);
        }
      } catch (error) {
        failed = true;
        this.#log(`shutdown: hook '${name}' failed: ${describe(error)}`);
      }
    }

    this.#state = 'stopped';
    const code = failed ? 1 : 0;
    this.#log(`shutdown: done, exit ${code}`);
    this.#exit(code);
    return code;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
