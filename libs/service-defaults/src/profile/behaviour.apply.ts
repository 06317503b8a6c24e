import type { HealthProbes } from '@rebound/health';
import { Gauge, type Registry } from 'prom-client';
import type { FaultInjector } from '../faults/fault.injector.ts';
import { type BehaviourProfile, describeBehaviour } from './behaviour.profile.ts';

export interface BehaviourTargets {
  readonly version: string;
  readonly profile: BehaviourProfile;
  readonly faults: FaultInjector;
  readonly probes: HealthProbes;
  readonly registry: Registry;
  readonly log: (line: string) => void;
  /** Schedules the crash of `crash-after-ms`; injected so tests need no real timer. */
  readonly schedule?: (callback: () => void, delayMs: number) => void;
}

/**
 * Turns a version's behaviour profile into the fault injector's settings and a readiness check, and publishes
 * `rebound_build_info{version,behaviour}` so the rollout analysis and dashboards can tell versions apart.
 */
export function applyBehaviour(targets: BehaviourTargets): void {
  const { profile, faults } = targets;
  const behaviour = describeBehaviour(profile);
  new Gauge({
    name: 'rebound_build_info',
    help: 'The version this process runs (REBOUND_VERSION) and its behaviour profile (REBOUND_BEHAVIOUR); always 1.',
    labelNames: ['version', 'behaviour'] as const,
    registers: [targets.registry],
  }).set({ version: targets.version, behaviour }, 1);
  if (behaviour === 'none') return;
  targets.log(`behaviour profile of version ${targets.version}: ${behaviour}`);
  faults.update({
    errorRate: profile.errorRatio,
    latencyMs: profile.latencyMs,
    leakMbPerSecond: profile.leakMbPerSecond,
  });
  if (profile.neverReady) {
    targets.probes.addCheck('readiness', 'behaviour', () => ({
      ok: false,
      detail: 'behaviour profile: never ready',
    }));
  }
  if (profile.crashAfterMs !== undefined) {
    const schedule = targets.schedule ?? ((callback, delayMs) => setTimeout(callback, delayMs).unref());
    schedule(() => faults.crash(), profile.crashAfterMs);
  }
}
