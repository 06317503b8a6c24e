import { appendFileSync } from 'node:fs';
import type { Clock } from '@rebound/resilience';
import type { ActionDefinition, Check, WebhookAlert } from './action.types.ts';
import { Guardrails } from './guardrails.policy.ts';
import type { SupervisorClient } from './supervisor.client.ts';

/** What became of one firing alert that names an action. */
export type Outcome =
  | 'executed'
  | 'failed'
  | 'dry_run'
  | 'cooldown'
  | 'rate_limited'
  | 'precondition_failed'
  | 'unknown_action'
  | 'no_target'
  | 'resolved'
  | 'undone';

/** One line of the audit log: what, why, which alert, result. */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly action: string;
  readonly target: string | undefined;
  readonly outcome: Outcome;
  /** Why it ran or did not: the precondition, the guardrail, or what the action reported. */
  readonly detail: string;
  readonly alert: {
    readonly name: string;
    readonly status: string;
    readonly fingerprint: string;
    readonly startsAt: string;
    readonly summary: string;
  };
  readonly runbook: string | undefined;
  readonly dryRun: boolean;
}

export interface RemediationOptions<P = SupervisorClient> {
  readonly actions: readonly ActionDefinition<P>[];
  /** What the actions act through: the local supervisor's client, or the Kubernetes API's. */
  readonly platform: P;
  readonly clock: Pick<Clock, 'now'>;
  readonly stamp?: () => string;
  /** Decide and audit, never act. */
  readonly dryRun: boolean;
  /** Audit log as JSON lines (kept across restarts); the last entries are also kept in memory. */
  readonly auditFile?: string;
  readonly log?: (line: string) => void;
}

const KEPT = 500;

/**
 * Receives Alertmanager notifications and, for each firing alert whose rule names an action
 * (`labels.remediation`), runs that action once its target is known, its guardrails (cool-down, rate limit) allow
 * it and its precondition holds, or records why not. Alerts are handled one at a time, in order, so two
 * notifications of the same alert never race past the cool-down. Every decision is an audit entry.
 */
export class RemediationController<P = SupervisorClient> {
  readonly #o: RemediationOptions<P>;
  readonly #guardrails: Guardrails;
  readonly #stamp: () => string;
  readonly #audit: AuditEntry[] = [];
  readonly #counts = new Map<string, number>();
  #nextId = 1;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: RemediationOptions<P>) {
    this.#o = options;
    this.#guardrails = new Guardrails(options.clock);
    this.#stamp = options.stamp ?? (() => new Date().toISOString());
  }

  /** Handles one webhook body; resolves once every alert in it has been decided. */
  handle(alerts: readonly WebhookAlert[]): Promise<void> {
    const run = this.#queue.then(async () => {
      for (const alert of alerts) await this.#decide(alert);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The newest entries first. */
  audit(): readonly AuditEntry[] {
    return [...this.#audit].reverse();
  }

  metrics(): string {
    const lines = [
      '# HELP rebound_remediation_decisions_total Decisions of the remediation controller, by action and outcome.',
      '# TYPE rebound_remediation_decisions_total counter',
      ...[...this.#counts].map(([key, n]) => {
        const [action, outcome] = key.split('|');
        return `rebound_remediation_decisions_total{action="${action}",outcome="${outcome}"} ${n}`;
      }),
      '# HELP rebound_remediation_dry_run Whether the controller only audits what it would do (1) or acts (0).',
      '# TYPE rebound_remediation_dry_run gauge',
      `rebound_remediation_dry_run ${this.#o.dryRun ? 1 : 0}`,
    ];
    return `${lines.join('\n')}\n`;
  }

  async #decide(alert: WebhookAlert): Promise<void> {
    const name = alert.labels.remediation;
    if (!name) return;
    const action = this.#o.actions.find((a) => a.name === name);
    const target = action?.target(alert);
    const base = { action: name, target, alert, runbook: action?.runbook };
    if (alert.status === 'resolved') {
      const undo = action?.undo?.bind(action);
      if (!undo || target === undefined)
        return this.#record({ ...base, outcome: 'resolved', detail: 'the alert resolved' });
      return this.#undo(undo, target, alert, base);
    }
    if (!action)
      return this.#record({ ...base, outcome: 'unknown_action', detail: `no declared action '${name}'` });
    if (target === undefined)
      return this.#record({
        ...base,
        outcome: 'no_target',
        detail: 'the alert lacks the label the action targets',
      });
    const guard = this.#guardrails.check(action.name, target, action);
    if (!guard.allowed) return this.#record({ ...base, outcome: guard.outcome, detail: guard.detail });
    let check: Check;
    try {
      check = await action.precondition(target, this.#o.platform);
    } catch (error) {
      check = { ok: false, detail: `precondition could not be read: ${(error as Error).message}` };
    }
    if (!check.ok) return this.#record({ ...base, outcome: 'precondition_failed', detail: check.detail });
    this.#guardrails.record(action.name, target);
    if (this.#o.dryRun) {
      return this.#record({
        ...base,
        outcome: 'dry_run',
        detail: `would run ${action.name} on ${target} (${check.detail})`,
      });
    }
    let result: Check;
    try {
      result = await action.run(target, alert, this.#o.platform);
    } catch (error) {
      result = { ok: false, detail: (error as Error).message };
    }
    this.#record({
      ...base,
      outcome: result.ok ? 'executed' : 'failed',
      detail: `${check.detail}; ${result.detail}`,
    });
  }

  /** An alert resolved whose action holds a state (a flag on): back to normal, whatever the guardrails say. */
  async #undo(
    undo: NonNullable<ActionDefinition<P>['undo']>,
    target: string,
    alert: WebhookAlert,
    base: { action: string; target: string | undefined; alert: WebhookAlert; runbook: string | undefined },
  ): Promise<void> {
    if (this.#o.dryRun) {
      return this.#record({
        ...base,
        outcome: 'dry_run',
        detail: `the alert resolved: would undo ${base.action} on ${target}`,
      });
    }
    let result: Check;
    try {
      result = await undo(target, alert, this.#o.platform);
    } catch (error) {
      result = { ok: false, detail: (error as Error).message };
    }
    this.#record({
      ...base,
      outcome: result.ok ? 'undone' : 'failed',
      detail: `the alert resolved; ${result.detail}`,
    });
  }

  #record(entry: {
    action: string;
    target: string | undefined;
    alert: WebhookAlert;
    runbook: string | undefined;
    outcome: Outcome;
    detail: string;
  }): void {
    const audit: AuditEntry = {
      id: this.#nextId++,
      at: this.#stamp(),
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      detail: entry.detail,
      alert: {
        name: entry.alert.labels.alertname ?? '',
        status: entry.alert.status,
        fingerprint: entry.alert.fingerprint,
        startsAt: entry.alert.startsAt,
        summary: entry.alert.annotations.summary ?? '',
      },
      runbook: entry.runbook,
      dryRun: this.#o.dryRun,
    };
    this.#audit.push(audit);
    if (this.#audit.length > KEPT) this.#audit.shift();
    const key = `${audit.action}|${audit.outcome}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    if (this.#o.auditFile) appendFileSync(this.#o.auditFile, `${JSON.stringify(audit)}\n`);
    this.#o.log?.(
      `${audit.outcome}: ${audit.action} on ${audit.target ?? '?'} for ${audit.alert.name} (${audit.alert.status}): ${audit.detail}`,
    );
  }
}
