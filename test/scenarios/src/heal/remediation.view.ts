// The heal view's "Rollouts and remediation" panel: the supervisor's rollout records (`GET <control>/rollouts`)
// and the remediation controller's audit log (`GET <remediation>/audit`), passed on as their sources give
// them; only the analysis verdict is put in words here, from the record's own reason and events.

/** The fields of the supervisor's `RolloutRecord` (infra/local `rollout.store.ts`) the panel shows. */
interface RolloutRecordFields {
  readonly id: number;
  readonly process: string;
  readonly from: { readonly name: string; readonly behaviour: string };
  readonly to: { readonly name: string; readonly behaviour: string };
  readonly phase: string;
  readonly step: string;
  readonly replaced: number;
  readonly of: number;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly reason?: string;
  readonly rollbackMs?: number;
  readonly events: readonly { readonly at: string; readonly message: string }[];
}

/** What `GET <control>/rollouts` answers (the part read here). */
export interface RolloutsAnswer {
  readonly active: RolloutRecordFields | null;
  readonly history: readonly RolloutRecordFields[];
}

/** The current rollout of a service, or its last one. */
export interface RolloutView {
  readonly service: string;
  readonly id: number;
  /** `base`, or `v3 (error-ratio=0.5)` with its behaviour profile. */
  readonly from: string;
  readonly to: string;
  readonly phase: string;
  readonly step: string;
  readonly replaced: number;
  readonly of: number;
  /** `analysing`, `passed: <the supervisor's words>`, `failed: <reason>`, or `–` before any analysis. */
  readonly analysis: string;
  readonly reason: string | undefined;
  readonly rollbackMs: number | undefined;
  readonly startedAt: string;
  readonly endedAt: string | undefined;
}

/** The fields of the controller's `AuditEntry` (infra/remediation) the panel shows. */
export interface AuditView {
  readonly id: number;
  readonly at: string;
  readonly action: string;
  readonly target: string | undefined;
  readonly outcome: string;
  readonly detail: string;
  readonly alert: { readonly name: string; readonly status: string };
  readonly dryRun: boolean;
}

/** Audit entries the panel keeps (the controller keeps 500). */
export const AUDIT_SHOWN = 20;

const version = (v: { name: string; behaviour: string }) =>
  v.behaviour ? `${v.name} (${v.behaviour})` : v.name;

function analysisOf(record: RolloutRecordFields): string {
  if (record.reason !== undefined) return `failed: ${record.reason}`;
  const passed = [...record.events].reverse().find((e) => / passed the analysis: /.test(e.message));
  if (record.step.startsWith('analysing')) return 'analysing';
  if (passed) return `passed: ${passed.message.slice(passed.message.indexOf(': ') + 2)}`;
  return '–';
}

/** One row per service: its rollout under way, else its most recent one. */
export function rolloutViews(answer: RolloutsAnswer): RolloutView[] {
  const records = [...(answer.active ? [answer.active] : []), ...answer.history].sort((a, b) => b.id - a.id);
  const latest = new Map<string, RolloutRecordFields>();
  for (const record of records) if (!latest.has(record.process)) latest.set(record.process, record);
  return [...latest.values()]
    .sort((a, b) => a.process.localeCompare(b.process))
    .map((record) => ({
      service: record.process,
      id: record.id,
      from: version(record.from),
      to: version(record.to),
      phase: record.phase,
      step: record.step,
      replaced: record.replaced,
      of: record.of,
      analysis: analysisOf(record),
      reason: record.reason,
      rollbackMs: record.rollbackMs,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
    }));
}

/** The newest audit entries, newest first, with the fields the panel shows. */
export function auditViews(entries: readonly AuditView[]): AuditView[] {
  return entries.slice(0, AUDIT_SHOWN).map((e) => ({
    id: e.id,
    at: e.at,
    action: e.action,
    target: e.target,
    outcome: e.outcome,
    detail: e.detail,
    alert: { name: e.alert.name, status: e.alert.status },
    dryRun: e.dryRun,
  }));
}
