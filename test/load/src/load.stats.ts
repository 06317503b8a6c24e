import { LatencyHistogram, type LatencySummary } from './latency.histogram.ts';
import type { Operation } from './operation.mix.ts';
import { type Outcome, type OutcomeCounts, zeroCounts } from './operation.outcome.ts';

/** Who sent the traffic: the shoppers, or one of the misbehaving clients. */
export const STREAMS = ['shoppers', 'abuser', 'bad-bodies'] as const;
export type Stream = (typeof STREAMS)[number];

/** An operation as recorded: a shopper's operation, or the misbehaving clients' single kind. */
export type RecordedOperation = Operation | 'abuse' | 'bad-body';

/** What the live line prints: one second of traffic. */
export interface SecondStats {
  /** Seconds since the run started (1 for the first line). */
  readonly second: number;
  /** The shoppers' arrival rate in force at the end of the second. */
  readonly rate: number;
  /** Arrivals due in this second, of every stream, sent or dropped. */
  readonly offered: number;
  /** Operations that ended in this second, by outcome (dropped ones end as they arrive). */
  readonly outcomes: OutcomeCounts;
  /** Latency of the shoppers' operations that ended in this second, from their intended start (ms). */
  readonly p50: number;
  readonly p99: number;
  readonly inFlight: number;
}

/** The client contract of `POST /api/orders` as the shoppers met it. */
export interface CheckoutCounters {
  /** Checkouts answered 202 Accepted at least once (followed by polling `Location`). */
  accepted: number;
  /** `GET Location` polls of PENDING orders. */
  polls: number;
  /** Re-sends of the same request with the same key after 503 `order_state_unknown`. */
  resends: number;
  /** Final orders by status (CONFIRMED, CANCELLED). */
  confirmed: number;
  cancelled: number;
  /** Checkouts given up on while the order was still PENDING or its state unknown. */
  gaveUpPending: number;
  gaveUpUnknown: number;
}

export interface OperationSummary {
  readonly outcomes: OutcomeCounts;
  readonly latencyMs: LatencySummary;
}

export interface LoadSummary {
  readonly durationS: number;
  readonly offered: number;
  /** Operations still running (at the end of a run: not answered within the drain); not in `outcomes`. */
  readonly unfinished: number;
  readonly outcomes: OutcomeCounts;
  /** Every HTTP request sent (an operation is one request, or more for a checkout that follows a 202). */
  readonly requests: number;
  /** The shoppers' operations, from their intended start. */
  readonly latencyMs: LatencySummary;
  readonly byStream: Readonly<Record<Stream, OutcomeCounts>>;
  readonly byOperation: Readonly<Partial<Record<RecordedOperation, OperationSummary>>>;
  readonly checkout: Readonly<CheckoutCounters>;
  /** Product answers the gateway served from its catalog cache (`X-Rebound-Fallback`), catalog being down. */
  readonly fallbacks: number;
  /** Why operations failed, and why shoppers were refused (`checkout: 503 overloaded`), most frequent first, at most 10. */
  readonly failures: readonly { readonly reason: string; readonly count: number }[];
  /** Peak resident set size, including the pages of the node binary shared with other node processes. */
  readonly peakRssMb: number;
  /**
   * Peak anonymous memory (Linux: `Anonymous` of /proc/self/smaps_rollup): the heap, compiled code and buffers,
   * without the file-backed pages of the node binary that RSS also counts.
   */
  readonly peakAnonymousMb?: number;
}

const megabytes = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

/** At most this many distinct failure reasons are kept (a flood of distinct messages stays bounded). */
const MAX_REASONS = 50;

/**
 * Counts and latency histograms of one run: a window for the live line (reset every second) and totals for
 * the summary. Fixed-size histograms and bounded maps: memory does not grow with the length of the run.
 */
export class LoadStats {
  readonly #windowLatency = new LatencyHistogram();
  readonly #totalLatency = new LatencyHistogram();
  readonly #byOperation = new Map<
    RecordedOperation,
    { outcomes: OutcomeCounts; latency: LatencyHistogram }
  >();
  readonly #byStream: Record<Stream, OutcomeCounts> = {
    shoppers: zeroCounts(),
    abuser: zeroCounts(),
    'bad-bodies': zeroCounts(),
  };
  readonly #reasons = new Map<string, number>();
  #windowOffered = 0;
  #windowOutcomes = zeroCounts();
  #offered = 0;
  #outcomes = zeroCounts();
  #requests = 0;
  #peakRssBytes = 0;
  #peakAnonymousBytes: number | undefined;
  #fallbacks = 0;
  readonly checkout: CheckoutCounters = {
    accepted: 0,
    polls: 0,
    resends: 0,
    confirmed: 0,
    cancelled: 0,
    gaveUpPending: 0,
    gaveUpUnknown: 0,
  };

  /** One arrival, sent or not. */
  offer(): void {
    this.#windowOffered += 1;
    this.#offered += 1;
  }

  /** One HTTP request on the wire. */
  request(): void {
    this.#requests += 1;
  }

  /** One operation ended; `latencyMs` from its intended start (ignored for dropped ones). */
  record(
    stream: Stream,
    operation: RecordedOperation,
    outcome: Outcome,
    latencyMs: number,
    reason?: string,
  ): void {
    this.#windowOutcomes[outcome] += 1;
    this.#outcomes[outcome] += 1;
    this.#byStream[stream][outcome] += 1;
    let entry = this.#byOperation.get(operation);
    if (entry === undefined) {
      entry = { outcomes: zeroCounts(), latency: new LatencyHistogram() };
      this.#byOperation.set(operation, entry);
    }
    entry.outcomes[outcome] += 1;
    if (reason !== undefined) {
      const known = this.#reasons.get(reason);
      if (known !== undefined || this.#reasons.size < MAX_REASONS)
        this.#reasons.set(reason, (known ?? 0) + 1);
    }
    if (outcome === 'dropped') return;
    entry.latency.record(latencyMs);
    if (stream === 'shoppers') {
      this.#windowLatency.record(latencyMs);
      this.#totalLatency.record(latencyMs);
    }
  }

  /** A product answer served from the gateway's catalog cache (`X-Rebound-Fallback`). */
  fallback(): void {
    this.#fallbacks += 1;
  }

  /** Notes the process's memory (sampled once a second by the runner); `anonymousBytes` where the OS tells it. */
  sampleMemory(rssBytes: number, anonymousBytes?: number): void {
    this.#peakRssBytes = Math.max(this.#peakRssBytes, rssBytes);
    if (anonymousBytes !== undefined)
      this.#peakAnonymousBytes = Math.max(this.#peakAnonymousBytes ?? 0, anonymousBytes);
  }

  /** The live line's numbers for the second that just ended, and a fresh window. */
  closeSecond(second: number, rate: number, inFlight: number): SecondStats {
    const stats: SecondStats = {
      second,
      rate,
      offered: this.#windowOffered,
      outcomes: this.#windowOutcomes,
      p50: this.#windowLatency.percentile(50),
      p99: this.#windowLatency.percentile(99),
      inFlight,
    };
    this.#windowOffered = 0;
    this.#windowOutcomes = zeroCounts();
    this.#windowLatency.reset();
    return stats;
  }

  summary(durationS: number, unfinished: number): LoadSummary {
    const byOperation: Partial<Record<RecordedOperation, OperationSummary>> = {};
    for (const [operation, entry] of this.#byOperation) {
      byOperation[operation] = { outcomes: { ...entry.outcomes }, latencyMs: entry.latency.summary() };
    }
    return {
      durationS,
      offered: this.#offered,
      unfinished,
      outcomes: { ...this.#outcomes },
      requests: this.#requests,
      latencyMs: this.#totalLatency.summary(),
      byStream: Object.fromEntries(STREAMS.map((s) => [s, { ...this.#byStream[s] }])) as Record<
        Stream,
        OutcomeCounts
      >,
      byOperation,
      checkout: { ...this.checkout },
      fallbacks: this.#fallbacks,
      failures: [...this.#reasons]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([reason, count]) => ({ reason, count })),
      peakRssMb: megabytes(this.#peakRssBytes),
      ...(this.#peakAnonymousBytes === undefined
        ? {}
        : { peakAnonymousMb: megabytes(this.#peakAnonymousBytes) }),
    };
  }
}
