export * from './canary-analysis.ts';
export {
  adminProbePaths,
  appExists,
  baseConfigKeys,
  envReadBy,
  grpcHealthOverall,
  ordersEventsTopic,
  servesMetrics,
  storageReadsPerServiceUrl,
} from './code-facts.ts';
export {
  ARGO_ROLLOUTS_VERSION,
  CRD_DIR,
  hasCrdSchema,
  strictSchema,
  validateCustomResource,
} from './crd-schema.ts';
export {
  cnpgClusters,
  cnpgInstanceLabels,
  cnpgServiceNames,
  DIGEST_PINNED,
  hbaMethod,
  withoutDigest,
} from './data-stores.ts';
export {
  ANALYSIS_TEMPLATES_FILE,
  PROMETHEUS_ADDRESS,
  ROLLOUT_HASH_LABEL,
  renderAnalysisTemplates,
  renderBaseFile,
} from './generate-base.ts';
export { skipUnlessKustomize } from './kustomize.ts';
export { repoRoot } from './paths.ts';
export type { Json, K8sObject } from './render.ts';
export {
  combinations,
  componentNames,
  K8S_DIR,
  mapLimit,
  objectId,
  overlayNames,
  renderCombination,
  renderDir,
  subsets,
} from './render.ts';
export { unknownFields, validateObject } from './schema.ts';
export type { ServiceSpec } from './services.ts';
export * from './services.ts';
export {
  CLUSTER_REMEDIATION_URL,
  clusterAlertmanagerConfig,
  GENERATED_DIR,
  LOCAL_REMEDIATION_URL,
  monitoringBundle,
  syncMonitoring,
} from './sync-monitoring.ts';
export type { Container, PodSpec, Probe, Workload } from './workloads.ts';
export { mebibytes, probePort, selects, workloads } from './workloads.ts';
