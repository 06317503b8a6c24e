export * from './canary.analysis.ts';
export {
  adminProbePaths,
  appExists,
  baseConfigKeys,
  envReadBy,
  grpcHealthOverall,
  ordersEventsTopic,
  servesMetrics,
  storageReadsPerServiceUrl,
} from './code-facts.reader.ts';
export {
  ARGO_ROLLOUTS_VERSION,
  CRD_DIR,
  hasCrdSchema,
  strictSchema,
  validateCustomResource,
} from './crd-schema.validator.ts';
export {
  cnpgClusters,
  cnpgInstanceLabels,
  cnpgServiceNames,
  DIGEST_PINNED,
  hbaMethod,
  withoutDigest,
} from './data-stores.reader.ts';
export {
  ANALYSIS_TEMPLATES_FILE,
  PROMETHEUS_ADDRESS,
  ROLLOUT_HASH_LABEL,
  renderAnalysisTemplates,
  renderBaseFile,
} from './generate-base.cli.ts';
export { unknownFields, validateObject } from './k8s-schema.validator.ts';
export { skipUnlessKustomize } from './kustomize.guard.ts';
export type { Json, K8sObject } from './manifest.renderer.ts';
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
} from './manifest.renderer.ts';
export { repoRoot } from './repo.paths.ts';
export type { ServiceSpec } from './services.config.ts';
export * from './services.config.ts';
export {
  CLUSTER_REMEDIATION_URL,
  clusterAlertmanagerConfig,
  GENERATED_DIR,
  LOCAL_REMEDIATION_URL,
  monitoringBundle,
  syncMonitoring,
} from './sync-monitoring.cli.ts';
export type { Container, PodSpec, Probe, Workload } from './workloads.reader.ts';
export { mebibytes, probePort, selects, workloads } from './workloads.reader.ts';
