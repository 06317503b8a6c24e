export type { KubeClientOptions } from '@rebound/kube';
export { KubeClient } from '@rebound/kube';
export type { ActionDefinition, Check, WebhookAlert } from './action.types.ts';
export {
  ACTIONS,
  addReplica,
  holdNotifications,
  restartReplica,
  rollbackLastRollout,
  serveCachedCatalog,
  supervisorReach,
} from './actions.catalog.ts';
export type { AdminReplica, FlagActionSpec, FlagReach } from './actions.flags.ts';
export { FLAG_SPECS, flagAction } from './actions.flags.ts';
export {
  addReplicaByHpa,
  evictReplica,
  holdNotificationsOnPods,
  KUBERNETES_ACTIONS,
  podReach,
  rollbackRollout,
  serveCachedCatalogOnPods,
} from './actions.kubernetes.ts';
export type { GuardrailSpec, GuardrailVerdict } from './guardrails.policy.ts';
export { Guardrails } from './guardrails.policy.ts';
export type { AuditEntry, Outcome, RemediationOptions } from './remediation.controller.ts';
export { RemediationController } from './remediation.controller.ts';
export { parseWebhook, startRemediationServer } from './remediation.server.ts';
export { SupervisorClient } from './supervisor.client.ts';
