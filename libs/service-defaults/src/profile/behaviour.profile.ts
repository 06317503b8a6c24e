import { z } from 'zod';

/**
 * A bad-behaviour profile: how a "version" of a service misbehaves on purpose, so a rollout of a bad version can
 * be shown without editing code. Read from `REBOUND_BEHAVIOUR` as a comma-separated list, e.g.
 * `error-ratio=0.3,latency-ms=200` (docs/remediation.md):
 * - `error-ratio=R`: that fraction of gRPC calls answered `UNAVAILABLE` (the fault injector's `errorRate`);
 * - `latency-ms=N`: N ms added before every call's handler;
 * - `crash-after-ms=N`: the process exits (code 70) N ms after it started serving;
 * - `leak-mb-per-s=N`: N MiB of heap retained every second;
 * - `never-ready`: `/readyz` never passes.
 */
export interface BehaviourProfile {
  readonly errorRatio: number;
  readonly latencyMs: number;
  readonly crashAfterMs: number | undefined;
  readonly leakMbPerSecond: number;
  readonly neverReady: boolean;
}

export const NO_BEHAVIOUR: BehaviourProfile = Object.freeze({
  errorRatio: 0,
  latencyMs: 0,
  crashAfterMs: undefined,
  leakMbPerSecond: 0,
  neverReady: false,
});

const HINT =
  'expected a comma-separated list of error-ratio=R, latency-ms=N, crash-after-ms=N, leak-mb-per-s=N, never-ready';

/** Parses `REBOUND_BEHAVIOUR`; throws with one line naming the bad item. */
export function parseBehaviour(text: string): BehaviourProfile {
  const profile: { -readonly [K in keyof BehaviourProfile]: BehaviourProfile[K] } = { ...NO_BEHAVIOUR };
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, raw] = item.split('=', 2) as [string, string | undefined];
    const value = raw === undefined ? Number.NaN : Number(raw);
    const bad = (why: string) => new Error(`${item}: ${why}`);
    switch (key) {
      case 'error-ratio':
        if (!(value >= 0 && value <= 1)) throw bad('expected a ratio between 0 and 1');
        profile.errorRatio = value;
        break;
      case 'latency-ms':
        if (!(Number.isInteger(value) && value >= 0 && value <= 600_000)) throw bad('expected 0..600000 ms');
        profile.latencyMs = value;
        break;
      case 'crash-after-ms':
        if (!(Number.isInteger(value) && value >= 0)) throw bad('expected a duration in ms');
        profile.crashAfterMs = value;
        break;
      case 'leak-mb-per-s':
        if (!(value > 0 && value <= 512)) throw bad('expected 0..512 MiB per second');
        profile.leakMbPerSecond = value;
        break;
      case 'never-ready':
        if (raw !== undefined) throw bad('takes no value');
        profile.neverReady = true;
        break;
      default:
        throw new Error(`unknown behaviour '${key}': ${HINT}`);
    }
  }
  return profile;
}

/** `REBOUND_BEHAVIOUR` as a config variable: parsed at start, a bad value stops the process with one line. */
export const behaviourVariable = z
  .string()
  .default('')
  .transform((value, ctx): BehaviourProfile => {
    try {
      return parseBehaviour(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

/** `REBOUND_BEHAVIOUR` as it reads, for the `rebound_build_info` label: `none` when empty. */
export function describeBehaviour(profile: BehaviourProfile): string {
  const parts: string[] = [];
  if (profile.errorRatio > 0) parts.push(`error-ratio=${profile.errorRatio}`);
  if (profile.latencyMs > 0) parts.push(`latency-ms=${profile.latencyMs}`);
  if (profile.crashAfterMs !== undefined) parts.push(`crash-after-ms=${profile.crashAfterMs}`);
  if (profile.leakMbPerSecond > 0) parts.push(`leak-mb-per-s=${profile.leakMbPerSecond}`);
  if (profile.neverReady) parts.push('never-ready');
  return parts.length === 0 ? 'none' : parts.join(',');
}
