import { type Clock, type Event, EventEmitter, systemClock } from '@rebound/resilience';
import {
  DEFAULT_EJECT_BASE_MS,
  DEFAULT_EJECT_CONSECUTIVE_FAILURES,
  DEFAULT_EJECT_FAILURE_RATIO,
  DEFAULT_EJECT_INTERVAL_MS,
  DEFAULT_EJECT_MAX_MS,
  DEFAULT_EJECT_MAX_PERCENT,
  DEFAULT_EJECT_MIN_REQUESTS,
} from '../constants.ts';

export interface OutlierDetectionOptions {
  /** Failures in a row that eject a replica. */
  readonly consecutiveFailures?: number;
  /** Failure ratio over `intervalMs` (once `minRequests` were seen) that ejects a replica. */
  readonly failureRatio?: number;
  readonly minRequests?: number;
  readonly intervalMs?: number;
  /** The n-th ejection of a replica lasts `n × baseEjectionMs`, at most `maxEjectionMs`. */
  readonly baseEjectionMs?: number;
  readonly maxEjectionMs?: number;
  /** At most this percentage of replicas is ejected at once; one may always be. */
  readonly maxEjectionPercent?: number;
  readonly clock?: Clock;
}

export interface EjectionEvent {
  readonly address: string;
  readonly reason: 'consecutive-failures' | 'failure-ratio' | 'probe-failed';
  readonly durationMs: number;
  readonly timesEjected: number;
}

/** What the detector keeps per replica. */
export class OutlierStats {
  readonly address: string;
  consecutive = 0;
  successes = 0;
  failures = 0;
  intervalStart: number;
  ejectedUntil = 0;
  timesEjected = 0;
  /** Set when an ejection ends: the next outcome decides whether the replica is back. */
  probing = false;

  constructor(address: string, now: number) {
    this.address = address;
    this.intervalStart = now;
  }
}

/**
 * Outlier ejection in the manner of Envoy's: a replica that fails `consecutiveFailures` times in a row, or whose
 * failure ratio crosses `failureRatio`, is set aside for `base × times ejected` (capped); when that time is up it
 * gets traffic again as a probe, and one more failure sends it straight back. Never more than
 * `maxEjectionPercent` of the replicas are out at once.
 */
export class OutlierDetector {
  readonly #clock: Clock;
  readonly #consecutive: number;
  readonly #ratio: number;
  readonly #minRequests: number;
  readonly #intervalMs: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #maxPercent: number;
  readonly #onEject = new EventEmitter<EjectionEvent>();
  readonly #onReturn = new EventEmitter<{ address: string }>();
  /** A replica was set aside. */
  readonly onEject: Event<EjectionEvent> = this.#onEject.event;
  /** A replica came back: its probe after an ejection succeeded. */
  readonly onReturn: Event<{ address: string }> = this.#onReturn.event;

  constructor(options: OutlierDetectionOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#consecutive = options.consecutiveFailures ?? DEFAULT_EJECT_CONSECUTIVE_FAILURES;
    this.#ratio = options.failureRatio ?? DEFAULT_EJECT_FAILURE_RATIO;
    this.#minRequests = options.minRequests ?? DEFAULT_EJECT_MIN_REQUESTS;
    this.#intervalMs = options.intervalMs ?? DEFAULT_EJECT_INTERVAL_MS;
    this.#baseMs = options.baseEjectionMs ?? DEFAULT_EJECT_BASE_MS;
    this.#maxMs = options.maxEjectionMs ?? DEFAULT_EJECT_MAX_MS;
    this.#maxPercent = options.maxEjectionPercent ?? DEFAULT_EJECT_MAX_PERCENT;
  }

  create(address: string): OutlierStats {
    return new OutlierStats(address, this.#clock.now());
  }

  /** Whether `stats` is set aside now; an ejection whose time is up turns into a probe. */
  isEjected(stats: OutlierStats): boolean {
    if (stats.ejectedUntil === 0) return false;
    if (this.#clock.now() < stats.ejectedUntil) return true;
    stats.ejectedUntil = 0;
    stats.probing = true;
    return false;
  }

  /** Records one call's outcome on a replica; `all` is every replica, for the ejection cap. */
  record(stats: OutlierStats, failed: boolean, all: readonly OutlierStats[]): void {
    const now = this.#clock.now();
    if (now - stats.intervalStart >= this.#intervalMs) {
      stats.intervalStart = now;
      stats.successes = 0;
      stats.failures = 0;
    }
    if (!failed) {
      stats.consecutive = 0;
      stats.successes++;
      if (stats.probing) {
        stats.probing = false;
        if (this.#onReturn.hasListeners) this.#onReturn.emit({ address: stats.address });
      }
      return;
    }
    stats.consecutive++;
    stats.failures++;
    if (stats.ejectedUntil !== 0) return;
    let reason: EjectionEvent['reason'] | undefined;
    if (stats.probing) reason = 'probe-failed';
    else if (stats.consecutive >= this.#consecutive) reason = 'consecutive-failures';
    else {
      const total = stats.successes + stats.failures;
      if (total >= this.#minRequests && stats.failures / total >= this.#ratio) reason = 'failure-ratio';
    }
    if (reason !== undefined) this.#eject(stats, reason, all, now);
  }

  #eject(
    stats: OutlierStats,
    reason: EjectionEvent['reason'],
    all: readonly OutlierStats[],
    now: number,
  ): void {
    let ejected = 0;
    for (const other of all) if (other !== stats && this.isEjected(other)) ejected++;
    const allowed = Math.max(1, Math.floor((all.length * this.#maxPercent) / 100));
    if (ejected + 1 > allowed) return;
    stats.timesEjected++;
    stats.probing = false;
    const durationMs = Math.min(this.#baseMs * stats.timesEjected, this.#maxMs);
    stats.ejectedUntil = now + durationMs;
    stats.consecutive = 0;
    stats.successes = 0;
    stats.failures = 0;
    stats.intervalStart = now;
    if (this.#onEject.hasListeners) {
      this.#onEject.emit({ address: stats.address, reason, durationMs, timesEjected: stats.timesEjected });
    }
  }
}
