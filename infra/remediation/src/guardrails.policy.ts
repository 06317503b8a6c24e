import type { Clock } from '@rebound/resilience';

export interface GuardrailSpec {
  /** The same action on the same target does not run again within this long. */
  readonly cooldownMs: number;
  /** At most `max` runs of the action (any target) per `windowMs`. */
  readonly rateLimit: { readonly max: number; readonly windowMs: number };
}

export type GuardrailVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly outcome: 'cooldown' | 'rate_limited'; readonly detail: string };

/** Cool-down per (action, target) and a sliding-window rate limit per action. */
export class Guardrails {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #lastRun = new Map<string, number>();
  readonly #runs = new Map<string, number[]>();

  /** `clock` is read only (`now()`): injected so cool-downs and rate limits are tested without waiting. */
  constructor(clock: Pick<Clock, 'now'>) {
    this.#clock = clock;
  }

  check(action: string, target: string, spec: GuardrailSpec): GuardrailVerdict {
    const now = this.#clock.now();
    const last = this.#lastRun.get(`${action}/${target}`);
    if (last !== undefined && now - last < spec.cooldownMs) {
      const left = Math.ceil((spec.cooldownMs - (now - last)) / 1000);
      return {
        allowed: false,
        outcome: 'cooldown',
        detail: `${action} ran on ${target} ${Math.round((now - last) / 1000)} s ago; cool-down ${left} s left`,
      };
    }
    const recent = (this.#runs.get(action) ?? []).filter((at) => now - at < spec.rateLimit.windowMs);
    this.#runs.set(action, recent);
    if (recent.length >= spec.rateLimit.max) {
      return {
        allowed: false,
        outcome: 'rate_limited',
        detail: `${action} ran ${recent.length} times in the last ${Math.round(spec.rateLimit.windowMs / 1000)} s (limit ${spec.rateLimit.max})`,
      };
    }
    return { allowed: true };
  }

  /** Counts a run (a dry run counts too, so a dry run shows what the guardrails would let through). */
  record(action: string, target: string): void {
    const now = this.#clock.now();
    this.#lastRun.set(`${action}/${target}`, now);
    this.#runs.set(action, [...(this.#runs.get(action) ?? []), now]);
  }
}
