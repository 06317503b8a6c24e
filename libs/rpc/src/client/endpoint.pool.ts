import { type ChannelCredentials, type ChannelOptions, Client, credentials } from '@grpc/grpc-js';
import type { Clock } from '@rebound/resilience';
import type { OutlierDetector, OutlierStats } from './outlier.detector.ts';
import type { Resolver } from './target.resolver.ts';

/** One replica: its own grpc-js channel and its outlier state. */
export class Endpoint {
  readonly address: string;
  readonly client: Client;
  readonly stats: OutlierStats;
  /** A shedding replica asked not to be called before this time (client clock). */
  backoffUntil = 0;

  constructor(address: string, client: Client, stats: OutlierStats) {
    this.address = address;
    this.client = client;
    this.stats = stats;
  }
}

export interface EndpointPoolOptions {
  readonly resolver: Resolver;
  readonly detector: OutlierDetector;
  readonly clock: Clock;
  readonly credentials?: ChannelCredentials;
  readonly channelOptions?: ChannelOptions;
}

/**
 * Every replica of one target, with client-side round robin over those that are not ejected or backed off.
 * When all are set aside it still picks one (as Envoy's panic threshold does): failing over to nobody helps no one.
 */
export class EndpointPool {
  readonly detector: OutlierDetector;
  #endpoints: Endpoint[] = [];
  #stats: OutlierStats[] = [];
  #next = 0;
  readonly #options: EndpointPoolOptions;

  constructor(options: EndpointPoolOptions) {
    this.#options = options;
    this.detector = options.detector;
  }

  get endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }

  /** Replaces the address set: keeps the channels of addresses still present, opens new ones, closes the rest. */
  update(addresses: readonly string[]): void {
    const existing = new Map(this.#endpoints.map((e) => [e.address, e]));
    const next: Endpoint[] = [];
    for (const address of addresses) {
      const kept = existing.get(address);
      if (kept !== undefined) {
        existing.delete(address);
        next.push(kept);
        continue;
      }
      const client = new Client(address, this.#options.credentials ?? credentials.createInsecure(), {
        // Channelz (grpc's introspection service) is not served here; tracking it costs every call.
        'grpc.enable_channelz': 0,
        ...this.#options.channelOptions,
      });
      next.push(new Endpoint(address, client, this.detector.create(address)));
    }
    for (const gone of existing.values()) gone.client.close();
    this.#endpoints = next;
    this.#stats = next.map((e) => e.stats);
  }

  async refresh(): Promise<void> {
    const addresses = await this.#options.resolver.resolve();
    if (addresses.length > 0) this.update(addresses);
  }

  /**
   * The next replica in turn that is neither ejected, backed off nor in `tried`. When there is none, the least
   * bad of all (as Envoy's panic threshold does: failing over to nobody helps no one): one that is not ejected
   * before one that is, one whose last call did not fail before one whose did, the one whose backoff ends
   * soonest, one not tried yet before one tried.
   */
  pick(tried: ReadonlySet<Endpoint> | undefined): Endpoint | undefined {
    const list = this.#endpoints;
    const n = list.length;
    if (n === 0) return undefined;
    const now = this.#options.clock.now();
    for (let i = 0; i < n; i++) {
      const endpoint = list[(this.#next + i) % n]!;
      if (tried?.has(endpoint) || endpoint.backoffUntil > now || this.detector.isEjected(endpoint.stats))
        continue;
      this.#next = (this.#next + i + 1) % n;
      return endpoint;
    }
    let best: Endpoint | undefined;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const endpoint = list[(this.#next + i) % n]!;
      const rank = this.#panicRank(endpoint, tried, now);
      if (rank < bestRank) {
        best = endpoint;
        bestRank = rank;
      }
    }
    this.#next = (this.#next + 1) % n;
    return best;
  }

  /**
   * Lower is better: ejected last; before them one whose last call failed on the server side (a refused
   * connection: likely dead, not yet ejected); then by the time left to wait, untried first among equals.
   */
  #panicRank(endpoint: Endpoint, tried: ReadonlySet<Endpoint> | undefined, now: number): number {
    const ejected = this.detector.isEjected(endpoint.stats) ? 1e12 : 0;
    const failing = endpoint.stats.consecutive > 0 ? 1e9 : 0;
    const wait = Math.max(0, endpoint.backoffUntil - now);
    return ejected + failing + wait * 2 + (tried?.has(endpoint) ? 1 : 0);
  }

  /** Replicas neither ejected nor backed off now. */
  fitCount(): number {
    const now = this.#options.clock.now();
    let fit = 0;
    for (const endpoint of this.#endpoints) {
      if (endpoint.backoffUntil <= now && !this.detector.isEjected(endpoint.stats)) fit++;
    }
    return fit;
  }

  /** Feeds one call outcome on `endpoint` to outlier detection. */
  record(endpoint: Endpoint, failed: boolean): void {
    this.detector.record(endpoint.stats, failed, this.#stats);
  }

  close(): void {
    for (const endpoint of this.#endpoints) endpoint.client.close();
    this.#endpoints = [];
    this.#stats = [];
  }
}
