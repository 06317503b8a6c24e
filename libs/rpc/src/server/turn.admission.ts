export interface TurnAdmissionOptions {
  /**
   * Wait before a call reaches its handler that is still fine (default 50 ms). When calls keep waiting longer
   * for `intervalMs`, fewer calls are admitted per turn.
   */
  readonly targetMs?: number;
  /** How long every turn's calls must have waited more than `targetMs` before the cap comes down (default 100 ms). */
  readonly intervalMs?: number;
  /** The cap when nothing is congested: calls admitted in one loop turn (default 1024, i.e. no cap in practice). */
  readonly maxPerTurn?: number;
}

/**
 * Admission per event-loop turn, driven by each call's queue time. In Node, the calls admitted in one turn run
 * back to back: their CPU work delays the next turn, and while it runs new requests wait in the socket where no
 * timestamp sees them (the wait {@link LoopLagMonitor} estimates). A concurrency limit lets a whole batch in at
 * once, so every call waits for the batch before it and the one after it, and arrives late.
 *
 * This caps the calls admitted per turn, CoDel-style on the queue time: once every turn's calls have waited more
 * than `targetMs` for a whole `intervalMs` (a standing queue, not a burst), each further turn whose calls waited
 * past the target halves the cap (from what the last turn actually admitted, so a large cap comes down at once)
 * and applies it: the turn's calls past the cap are shed on their headers, cheaply. A turn whose calls waited less
 * than the target admits everyone, and raises the cap by a quarter (at least one) if the turn before used it all.
 * The cap never goes below one call per turn, so CPU-bound work keeps the CPU busy. The congestion ends only after
 * a whole interval under the target. A stall shorter than `intervalMs` (a GC pause) never sheds, and neither does
 * a call that waited less than the target. A queue stands only while the loop stays busy: when the loop waited for
 * I/O for a whole `intervalMs` between two turns with calls (`restedMs`), nothing was queued meanwhile, so the
 * congestion seen before that rest is over, however long ago it started (two calls seconds apart are no standing
 * queue, and a burst after idle is admitted whole). The caller supplies the turn, the wait, the rest and the time,
 * so tests drive it by hand.
 */
export class TurnAdmission {
  readonly targetMs: number;
  readonly intervalMs: number;
  readonly #max: number;
  #cap: number;
  #turn = Number.NaN;
  #admitted = 0;
  /** When the current run of turns whose calls waited past the target began (NaN: not congested). */
  #congestedSince = Number.NaN;
  /** When the current run of turns whose calls waited less than the target began. */
  #clearSince = Number.NaN;
  /** Whether the cap applies in this turn: only while its calls waited past the target in a standing queue. */
  #binding = false;

  constructor(options: TurnAdmissionOptions = {}) {
    this.targetMs = options.targetMs ?? 50;
    this.intervalMs = options.intervalMs ?? 100;
    this.#max = options.maxPerTurn ?? 1024;
    this.#cap = this.#max;
  }

  /** Calls admitted per loop turn now. */
  get cap(): number {
    return this.#cap;
  }

  /**
   * Records a call in loop turn `turn`, at `now` (monotonic ms), that waited `waitedMs` before reaching its
   * handler; returns false when the turn's cap is used up and the call should be shed. `force` admits it anyway
   * (critical-plus), counting it. `restedMs` is how long the loop waited for I/O since the last turn with calls.
   */
  admit(turn: number, waitedMs: number, now: number, force = false, restedMs = 0): boolean {
    if (turn !== this.#turn) this.#startTurn(turn, waitedMs, now, restedMs);
    if (!force && this.#binding && this.#admitted >= this.#cap) return false;
    this.#admitted++;
    return true;
  }

  #startTurn(turn: number, waitedMs: number, now: number, restedMs: number): void {
    const used = this.#admitted;
    this.#turn = turn;
    this.#admitted = 0;
    this.#binding = false;
    if (restedMs >= this.intervalMs) this.#congestedSince = Number.NaN;
    if (waitedMs > this.targetMs) {
      this.#clearSince = Number.NaN;
      if (Number.isNaN(this.#congestedSince)) this.#congestedSince = now;
      else if (now - this.#congestedSince >= this.intervalMs) {
        this.#cap = Math.max(1, Math.floor(Math.min(this.#cap, used) / 2));
        this.#binding = true;
      }
      return;
    }
    // The congestion is over only once calls have waited less than the target for a whole interval, so that a
    // queue that dips under the target for a turn or two is still treated as the standing queue it is.
    if (Number.isNaN(this.#clearSince)) this.#clearSince = now;
    if (now - this.#clearSince >= this.intervalMs) this.#congestedSince = Number.NaN;
    if (used >= this.#cap)
      this.#cap = Math.min(this.#max, this.#cap + Math.max(1, Math.floor(this.#cap / 4)));
  }
}
