export type { ActionDefinition, Check, WebhookAlert } from './actions.catalog.ts';
export { ACTIONS, addReplica, restartReplica, rollbackLastRollout } from './actions.catalog.ts';
export {
  addReplicaByHpa,
  evictReplica,
  KUBERNETES_ACTIONS,
  rollbackRollout,
} from './actions.kubernetes.ts';
export type { GuardrailSpec, GuardrailVerdict } from './guardrails.ts';
export { Guardrails } from './guardrails.ts';
export type { KubeClientOptions } from './kube.client.ts';
export { KubeClient } from './kube.client.ts';
export type { AuditEntry, Outcome, RemediationOptions } from './remediation.controller.ts';
export { RemediationController } from './remediation.controller.ts';
export { parseWebhook, startRemediationServer } from './remediation.server.ts';
export { SupervisorClient } from './supervisor.client.ts';
