import type { HttpAnswer } from '@rebound/kube';
import type { ActionDefinition, Check, WebhookAlert } from './action.types.ts';
import type { GuardrailSpec } from './guardrails.policy.ts';

/** One replica of a service as the flag actions reach it: its admin URL, or why it cannot be reached. */
export interface AdminReplica {
  readonly name: string;
  /** `http://<host>:<admin port>`; undefined when the replica has no running process or no address yet. */
  readonly url: string | undefined;
  readonly note?: string;
}

/** How a platform lists a service's replicas and calls their admin port (with the services' ADMIN_TOKEN). */
export interface FlagReach<P> {
  replicas(service: string, platform: P): Promise<AdminReplica[]>;
  post(url: string, path: string, body: unknown, platform: P): Promise<HttpAnswer>;
}

export interface FlagActionSpec extends GuardrailSpec {
  /** The action's name is the flag's (`serve-cached-catalog`). */
  readonly flag: string;
  /** The service that declares the flag; every replica of it is switched, whatever the alert's labels say. */
  readonly service: string;
  readonly runbook: string;
}

const PATH = '/admin/degradation';

async function switchAll<P>(
  spec: FlagActionSpec,
  reach: FlagReach<P>,
  on: boolean,
  alert: WebhookAlert,
  platform: P,
): Promise<Check> {
  const replicas = await reach.replicas(spec.service, platform);
  if (replicas.length === 0) return { ok: false, detail: `no replica of ${spec.service} to switch` };
  const reason = `remediation: ${alert.labels.alertname ?? '?'} ${alert.status}`;
  const results = await Promise.all(
    replicas.map(async (replica): Promise<{ name: string; ok: boolean; why?: string }> => {
      if (replica.url === undefined)
        return { name: replica.name, ok: false, why: replica.note ?? 'no address' };
      try {
        const answer = await reach.post(replica.url, PATH, { flag: spec.flag, on, reason }, platform);
        const state = (answer.body as { flags?: Record<string, { on?: boolean }> }).flags?.[spec.flag];
        if (answer.status === 200 && state?.on === on) return { name: replica.name, ok: true };
        const error = (answer.body as { error?: string }).error ?? '';
        return { name: replica.name, ok: false, why: `HTTP ${answer.status} ${error}`.trim() };
      } catch (error) {
        return { name: replica.name, ok: false, why: (error as Error).message };
      }
    }),
  );
  const done = results.filter((r) => r.ok).map((r) => r.name);
  const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.why}`);
  const state = on ? 'on' : 'off';
  if (failed.length === 0) return { ok: true, detail: `${spec.flag} ${state} at ${done.join(', ')}` };
  return {
    ok: false,
    detail: `${spec.flag} ${state} at ${done.join(', ') || 'none'}; not at ${failed.join('; ')}`,
  };
}

/**
 * A degradation flag as a declared action: switched on at every replica of its service while its alert fires
 * (through each replica's `/admin/degradation`), switched off again when the alert resolves (`undo`). The
 * guardrails hold back switching it on again (a flapping alert), never switching it off.
 */
export function flagAction<P>(spec: FlagActionSpec, reach: FlagReach<P>): ActionDefinition<P> {
  return {
    name: spec.flag,
    runbook: spec.runbook,
    cooldownMs: spec.cooldownMs,
    rateLimit: spec.rateLimit,
    target: () => spec.service,
    async precondition(service, platform) {
      const replicas = await reach.replicas(service, platform);
      const reachable = replicas.filter((r) => r.url !== undefined);
      if (reachable.length === 0)
        return { ok: false, detail: `no running replica of ${service} to switch ${spec.flag} at` };
      return {
        ok: true,
        detail: `${reachable.length} replica(s) of ${service} to switch: ${reachable.map((r) => r.name).join(', ')}`,
      };
    },
    run: (_service, alert, platform) => switchAll(spec, reach, true, alert, platform),
    undo: (_service, alert, platform) => switchAll(spec, reach, false, alert, platform),
  };
}

const MINUTE = 60_000;

/** The declared flags: which flag, on which service, its runbook and guardrails (the same on every platform). */
export const FLAG_SPECS = {
  serveCachedCatalog: {
    flag: 'serve-cached-catalog',
    service: 'gateway',
    runbook: 'docs/runbooks/CatalogUnavailable.md',
    cooldownMs: 10 * MINUTE,
    rateLimit: { max: 3, windowMs: 60 * MINUTE },
  },
  holdNotifications: {
    flag: 'hold-notifications',
    service: 'notifications',
    runbook: 'docs/runbooks/NotificationsFailing.md',
    cooldownMs: 10 * MINUTE,
    rateLimit: { max: 3, windowMs: 60 * MINUTE },
  },
} as const satisfies Record<string, FlagActionSpec>;
