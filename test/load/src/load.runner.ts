import { type Clock, keepAliveClock, type TimerHandle } from '@rebound/resilience';
import { type ArrivalProcess, ArrivalScheduler } from './arrival.scheduler.ts';
import { type CheckoutLimits, DEFAULT_CHECKOUT_LIMITS } from './checkout.flow.ts';
import { COMMANDS_HELP, type Command } from './control.commands.ts';
import type { Transport } from './http.transport.ts';
import { DEFAULT_SETTINGS, describeSettings, type LoadSettings } from './load.settings.ts';
import {
  LoadStats,
  type LoadSummary,
  type RecordedOperation,
  type SecondStats,
  type Stream,
} from './load.stats.ts';
import { applyMix, formatMix, pickOperation } from './operation.mix.ts';
import { fork, pick, type Random, seededRandom } from './seeded.random.ts';
import { ShopMemory } from './shop.memory.ts';
import { ACTIONS, type ActionResult, abuse, type ShopperContext, sendBadBody } from './shopper.actions.ts';
import { sleep } from './sleep.util.ts';

export interface LoadRunnerOptions {
  readonly transport: Transport;
  /** Shoppers' API keys; each arrival picks one (seeded). */
  readonly apiKeys: readonly string[];
  readonly abuserKey: string;
  readonly badBodyKey: string;
  readonly settings?: Partial<LoadSettings>;
  readonly clock?: Clock;
  /** The root of every random choice (mix, keys, products, think times, arrival gaps). */
  readonly random?: Random;
  readonly arrivals?: ArrivalProcess;
  /** Operations running at once, over every stream; an arrival beyond it is `dropped`, not queued. */
  readonly maxInFlight?: number;
  readonly limits?: CheckoutLimits;
  /** Fresh per checkout; unique per run by default, whatever the seed, so two runs never replay each other. */
  readonly idempotencyKey?: () => string;
  /** Called at the end of every second of the run with the live line's numbers. */
  readonly onSecond?: (stats: SecondStats) => void;
  /** Resident memory in bytes, sampled once a second for the summary. */
  readonly memoryUsage?: () => number;
  /** Anonymous memory (heap, code, buffers) in bytes, if the OS tells it (sampled with `memoryUsage`). */
  readonly anonymousMemory?: () => number | undefined;
}

/** What `execute` answers: one line for the user, and whether the run should stop. */
export interface CommandAnswer {
  readonly message: string;
  readonly stop: boolean;
}

export interface LoadStatus {
  readonly settings: LoadSettings;
  readonly elapsedS: number;
  readonly inFlight: number;
  readonly lastSecond: SecondStats | undefined;
  readonly totals: LoadSummary;
}

type Action = (context: ShopperContext, apiKey: string) => Promise<ActionResult>;

/**
 * The traffic generator: three open-model streams (shoppers, the abuser, the bad-body client), each a
 * scheduler of arrivals; every arrival starts one operation without waiting for the others, up to
 * `maxInFlight` at once. Counts and latencies (from each operation's intended start) go to `LoadStats`,
 * closed into a live line every second.
 */
export class LoadRunner {
  readonly #clock: Clock;
  readonly #stats = new LoadStats();
  readonly #options: LoadRunnerOptions;
  readonly #maxInFlight: number;
  readonly #context: ShopperContext;
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #schedulers: Record<Stream, ArrivalScheduler>;
  readonly #mixRandom: Random;
  readonly #keyRandom: Random;
  #settings: LoadSettings;
  #startedAt: number | undefined;
  #stoppedAt: number | undefined;
  #second = 0;
  #secondTimer: TimerHandle | undefined;
  #lastSecond: SecondStats | undefined;

  constructor(options: LoadRunnerOptions) {
    if (options.apiKeys.length === 0) throw new RangeError('at least one API key is needed for the shoppers');
    this.#options = options;
    this.#clock = options.clock ?? keepAliveClock;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#settings = { ...DEFAULT_SETTINGS, ...options.settings };
    const root = options.random ?? seededRandom(Math.floor(Math.random() * 2 ** 32));
    this.#mixRandom = fork(root);
    this.#keyRandom = fork(root);
    const runId = Math.floor(Math.random() * 36 ** 8).toString(36);
    let sequence = 0;
    this.#context = {
      send: (request) => {
        this.#stats.request();
        return options.transport(request);
      },
      clock: this.#clock,
      random: fork(root),
      limits: options.limits ?? DEFAULT_CHECKOUT_LIMITS,
      counters: this.#stats.checkout,
      signal: this.#abort.signal,
      memory: new ShopMemory(),
      idempotencyKey:
        options.idempotencyKey ??
        (() => {
          sequence += 1;
          return `load-${runId}-${sequence}`;
        }),
      onFallback: () => this.#stats.fallback(),
    };
    const scheduler = (stream: Stream, rate: number) =>
      new ArrivalScheduler({
        clock: this.#clock,
        random: fork(root),
        rate,
        process: options.arrivals ?? 'poisson',
        onArrival: (intendedAt) => this.#arrive(stream, intendedAt),
      });
    this.#schedulers = {
      shoppers: scheduler('shoppers', this.#settings.rate),
      abuser: scheduler('abuser', this.#settings.abuser.rate),
      'bad-bodies': scheduler('bad-bodies', this.#settings.badBodies.rate),
    };
  }

  get settings(): LoadSettings {
    return this.#settings;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Starts the arrivals and the per-second line. */
  start(): void {
    if (this.#startedAt !== undefined) return;
    this.#startedAt = this.#clock.now();
    this.#applyStreams();
    this.#armSecond();
  }

  /**
   * Stops the arrivals, gives the operations in flight up to `drainMs` to finish (a checkout may be
   * following a 202), then ends their waits, and returns the summary. Operations still unanswered are
   * left out of the counts.
   */
  async stop(drainMs = 5_000): Promise<LoadSummary> {
    if (this.#stoppedAt === undefined) {
      for (const scheduler of Object.values(this.#schedulers)) scheduler.stop();
      if (this.#secondTimer !== undefined) this.#secondTimer.cancel();
      this.#secondTimer = undefined;
      // The last, partial second gets its line too (a run of --duration 4 prints four lines).
      const startedAt = this.#startedAt ?? this.#clock.now();
      if (this.#clock.now() - (startedAt + this.#second * 1_000) >= 100) this.#closeSecond();
      await this.#settle(drainMs);
      // Waits end at once on abort; their operations record themselves within a turn of the event loop.
      // Requests still on the wire are left to their timeout and reported as unfinished.
      this.#abort.abort();
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#stoppedAt = this.#clock.now();
    }
    return this.summary();
  }

  summary(): LoadSummary {
    return this.#stats.summary(this.#elapsedS(), this.inFlight);
  }

  status(): LoadStatus {
    return {
      settings: this.#settings,
      elapsedS: this.#elapsedS(),
      inFlight: this.inFlight,
      lastSecond: this.#lastSecond,
      totals: this.summary(),
    };
  }

  /** Runs one command; the answer is one line to print. */
  execute(command: Command): CommandAnswer {
    const answer = (message: string, stop = false): CommandAnswer => ({ message, stop });
    switch (command.kind) {
      case 'rate':
        this.#settings = { ...this.#settings, rate: command.rate };
        this.#applyStreams();
        return answer(`rate ${command.rate}/s`);
      case 'mix':
        if (command.update !== undefined) {
          this.#settings = { ...this.#settings, mix: applyMix(this.#settings.mix, command.update) };
        }
        return answer(`mix ${formatMix(this.#settings.mix)}`);
      case 'abuser':
      case 'bad': {
        const key = command.kind === 'abuser' ? 'abuser' : 'badBodies';
        const current = this.#settings[key];
        const next = { enabled: command.enabled, rate: command.rate ?? current.rate };
        this.#settings = { ...this.#settings, [key]: next };
        this.#applyStreams();
        return answer(`${command.kind} ${next.enabled ? `on at ${next.rate}/s` : 'off'}`);
      }
      case 'pause':
        this.#settings = { ...this.#settings, paused: true };
        this.#applyStreams();
        return answer('paused');
      case 'resume':
        this.#settings = { ...this.#settings, paused: false };
        this.#applyStreams();
        return answer('resumed');
      case 'status':
        return answer(describeSettings(this.#settings));
      case 'stop':
        return answer('stopping', true);
      case 'help':
        return answer(COMMANDS_HELP);
    }
  }

  #elapsedS(): number {
    if (this.#startedAt === undefined) return 0;
    return Math.round(((this.#stoppedAt ?? this.#clock.now()) - this.#startedAt) / 100) / 10;
  }

  /** Brings each scheduler in line with the settings. */
  #applyStreams(): void {
    if (this.#startedAt === undefined || this.#stoppedAt !== undefined) return;
    const { paused, rate, abuser, badBodies } = this.#settings;
    const wanted: Record<Stream, number> = {
      shoppers: rate,
      abuser: abuser.enabled ? abuser.rate : 0,
      'bad-bodies': badBodies.enabled ? badBodies.rate : 0,
    };
    for (const [stream, scheduler] of Object.entries(this.#schedulers) as [Stream, ArrivalScheduler][]) {
      const target = paused ? 0 : wanted[stream];
      if (target === 0) {
        scheduler.stop();
        continue;
      }
      if (scheduler.rate !== target || !scheduler.running) {
        scheduler.setRate(target);
        scheduler.start();
      }
    }
  }

  #arrive(stream: Stream, intendedAt: number): void {
    this.#stats.offer();
    let operation: RecordedOperation;
    let action: Action;
    let apiKey: string;
    if (stream === 'shoppers') {
      const picked = pickOperation(this.#settings.mix, this.#mixRandom);
      operation = picked;
      action = ACTIONS[picked];
      apiKey = pick(this.#keyRandom, this.#options.apiKeys);
    } else if (stream === 'abuser') {
      operation = 'abuse';
      action = abuse;
      apiKey = this.#options.abuserKey;
    } else {
      operation = 'bad-body';
      action = sendBadBody;
      apiKey = this.#options.badBodyKey;
    }
    if (this.#inFlight.size >= this.#maxInFlight) {
      this.#stats.record(
        stream,
        operation,
        'dropped',
        0,
        `${operation}: dropped at ${this.#maxInFlight} in flight`,
      );
      return;
    }
    const running: Promise<void> = action(this.#context, apiKey)
      .catch(
        (error: unknown): ActionResult => ({
          operation,
          outcome: 'failed',
          reason: error instanceof Error ? error.message : String(error),
        }),
      )
      .then((result) => {
        // Reasons worth reading: failures, and any refusal of a shopper (a shopper's 4xx is a bug somewhere).
        const keepReason = result.outcome === 'failed' || (stream === 'shoppers' && result.outcome !== 'ok');
        this.#stats.record(
          stream,
          result.operation,
          result.outcome,
          this.#clock.now() - intendedAt,
          keepReason ? `${result.operation}: ${result.reason ?? result.outcome}` : undefined,
        );
      })
      .finally(() => this.#inFlight.delete(running));
    this.#inFlight.add(running);
  }

  #armSecond(): void {
    const startedAt = this.#startedAt ?? this.#clock.now();
    const due = startedAt + (this.#second + 1) * 1_000;
    this.#secondTimer = this.#clock.setTimer(() => {
      this.#closeSecond();
      this.#armSecond();
    }, due - this.#clock.now());
  }

  #closeSecond(): void {
    this.#second += 1;
    this.#stats.sampleMemory(
      (this.#options.memoryUsage ?? process.memoryUsage.rss)(),
      this.#options.anonymousMemory?.(),
    );
    const rate = this.#settings.paused ? 0 : this.#settings.rate;
    this.#lastSecond = this.#stats.closeSecond(this.#second, rate, this.inFlight);
    this.#options.onSecond?.(this.#lastSecond);
  }

  async #settle(boundMs: number): Promise<void> {
    if (this.#inFlight.size === 0 || boundMs <= 0) return;
    const bound = new AbortController();
    await Promise.race([Promise.allSettled([...this.#inFlight]), sleep(this.#clock, boundMs, bound.signal)]);
    bound.abort();
  }
}
