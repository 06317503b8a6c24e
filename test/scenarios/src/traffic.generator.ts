import {
  httpTransport,
  LoadRunner,
  type LoadSettings,
  type OutcomeCounts,
  type SecondStats,
  seededRandom,
} from '@rebound/load';

/** The traffic a scenario drives through the gateway while it runs (open model, arrivals per second). */
export interface ScenarioLoad {
  readonly rate: number;
  /** The client above its rate limit, on `key-b`, at this rate. */
  readonly abuserRate?: number;
  /** The client sending bodies the edge must refuse, at this rate. */
  readonly badBodyRate?: number;
}

/** What one measured window of traffic saw: the shoppers' outcomes and the worst per-second p99. */
export interface WindowStats {
  readonly seconds: number;
  readonly operations: number;
  readonly ok: number;
  readonly successRatio: number;
  /** The highest p99 of any second in the window (ms); 0 when no second closed. */
  readonly p99Ms: number;
  readonly outcomes: OutcomeCounts;
}

/** A mark taken at the start of a window; `Traffic.since(mark)` measures from it. */
export interface TrafficMark {
  readonly shoppers: OutcomeCounts;
  readonly second: number;
}

/**
 * The load a scenario drives: `@rebound/load`'s open-model generator in this process, shoppers on `key-a`,
 * the misbehaving clients on `key-b`, every second recorded so windows can be measured after the fact.
 */
export class Traffic {
  readonly #runner: LoadRunner;
  readonly #transport: ReturnType<typeof httpTransport>;
  readonly #seconds: SecondStats[] = [];
  onSecond: ((stats: SecondStats) => void) | undefined;

  constructor(options: { readonly gatewayUrl: string; readonly seed: number; readonly load: ScenarioLoad }) {
    this.#transport = httpTransport({ url: options.gatewayUrl, connections: 32, timeoutMs: 10_000 });
    this.#runner = new LoadRunner({
      transport: this.#transport,
      apiKeys: ['key-a'],
      abuserKey: 'key-b',
      badBodyKey: 'key-b',
      settings: settingsOf(options.load),
      random: seededRandom(options.seed),
      onSecond: (stats) => {
        this.#seconds.push(stats);
        if (this.#seconds.length > 3_600) this.#seconds.shift();
        this.onSecond?.(stats);
      },
    });
  }

  start(): void {
    this.#runner.start();
  }

  /** Changes the rate and the misbehaving clients at run time. */
  set(load: ScenarioLoad): void {
    const settings = settingsOf(load);
    this.#runner.execute({ kind: 'rate', rate: settings.rate });
    this.#runner.execute({ kind: 'abuser', enabled: settings.abuser.enabled, rate: settings.abuser.rate });
    this.#runner.execute({ kind: 'bad', enabled: settings.badBodies.enabled, rate: settings.badBodies.rate });
  }

  /** Stops every stream's arrivals (the operations in flight finish); `resume` starts them again. */
  pause(): void {
    this.#runner.execute({ kind: 'pause' });
  }

  resume(): void {
    this.#runner.execute({ kind: 'resume' });
  }

  /** Operations started and not yet ended. */
  get inFlight(): number {
    return this.#runner.inFlight;
  }

  mark(): TrafficMark {
    return { shoppers: { ...this.#runner.summary().byStream.shoppers }, second: this.#lastSecond() };
  }

  since(mark: TrafficMark): WindowStats {
    const now = this.#runner.summary().byStream.shoppers;
    const outcomes = Object.fromEntries(
      Object.entries(now).map(([key, value]) => [key, value - mark.shoppers[key as keyof OutcomeCounts]]),
    ) as OutcomeCounts;
    const operations = Object.values(outcomes).reduce((a, b) => a + b, 0);
    const seconds = this.#seconds.filter((s) => s.second > mark.second);
    return {
      seconds: seconds.length,
      operations,
      ok: outcomes.ok,
      successRatio: operations === 0 ? 0 : outcomes.ok / operations,
      p99Ms: seconds.reduce((worst, s) => Math.max(worst, s.p99), 0),
      outcomes,
    };
  }

  async stop(): Promise<void> {
    await this.#runner.stop(5_000);
    await this.#transport.close();
  }

  #lastSecond(): number {
    return this.#seconds.at(-1)?.second ?? 0;
  }
}

function settingsOf(load: ScenarioLoad): Pick<LoadSettings, 'rate' | 'abuser' | 'badBodies'> {
  return {
    rate: load.rate,
    abuser: { enabled: (load.abuserRate ?? 0) > 0, rate: load.abuserRate || 40 },
    badBodies: { enabled: (load.badBodyRate ?? 0) > 0, rate: load.badBodyRate || 1 },
  };
}
