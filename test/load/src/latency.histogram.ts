// The pure-JS histogram class alone: the package's index also loads its WebAssembly build (a large inline
// module), about 17 MB of resident memory this generator does not use.
import int32 from 'hdr-histogram-js/dist/Int32Histogram.js';

const Int32Histogram = int32.default;

/** Latencies up to 10 minutes, in microseconds, 3 significant digits: about 80 KB per histogram. */
const HIGHEST_US = 600_000_000;

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * An HDR histogram of latencies in milliseconds (stored as whole microseconds, pure JS, fixed size: memory
 * does not grow with the number of samples). Values above the range are clamped to it.
 */
export class LatencyHistogram {
  readonly #histogram = new Int32Histogram(1, HIGHEST_US, 3);

  record(latencyMs: number): void {
    const micros = Math.min(HIGHEST_US, Math.max(1, Math.round(latencyMs * 1000)));
    this.#histogram.recordValue(micros);
  }

  get count(): number {
    return this.#histogram.totalCount;
  }

  /** The latency at `percentile` (0..100) in milliseconds; 0 when empty. */
  percentile(percentile: number): number {
    return this.count === 0 ? 0 : this.#histogram.getValueAtPercentile(percentile) / 1000;
  }

  reset(): void {
    this.#histogram.reset();
  }

  summary(): LatencySummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: empty ? 0 : this.#histogram.maxValue / 1000,
      mean: empty ? 0 : this.#histogram.mean / 1000,
    };
  }
}
