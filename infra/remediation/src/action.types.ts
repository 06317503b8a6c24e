import type { GuardrailSpec } from './guardrails.policy.ts';
import type { SupervisorClient } from './supervisor.client.ts';

/** One alert as Alertmanager's webhook sends it (version 4). */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly fingerprint: string;
}

export type Check =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly detail: string };

/**
 * A declared, reviewed action: which alert label selects it (`remediation: <name>` on the rule), what it acts on,
 * when it may run, what it does, and its guardrails. Nothing else runs: an alert naming an unknown action is
 * audited as such and ignored.
 */
export interface ActionDefinition<P = SupervisorClient> extends GuardrailSpec {
  readonly name: string;
  /** docs/runbooks/<file>: what a person does when the action is not enough, and how to turn it off. */
  readonly runbook: string;
  /** What the action acts on, from the alert's labels; undefined when the alert lacks them. */
  target(alert: WebhookAlert): string | undefined;
  /**
   * Must hold right before running (read from the platform: the local supervisor, or the Kubernetes API):
   * otherwise skipped, with the reason.
   */
  precondition(target: string, platform: P): Promise<Check>;
  /** Does it; the detail says what happened. */
  run(target: string, alert: WebhookAlert, platform: P): Promise<Check>;
  /**
   * Undoes it when the alert resolves (a degradation flag back off), for actions that hold a state only while
   * their alert fires. No guardrail holds an undo back: it returns to normal. Absent: a resolution is only
   * audited.
   */
  undo?(target: string, alert: WebhookAlert, platform: P): Promise<Check>;
}
