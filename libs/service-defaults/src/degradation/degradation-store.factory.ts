import { KubeClient } from '@rebound/kube';
import { ConfigError } from '@rebound/observability';
import type { BaseConfig } from '../config/service.config.ts';
import { configMapDegradationStore } from './configmap-degradation.store.ts';
import { type DegradationStore, fileDegradationStore } from './degradation.store.ts';

/**
 * Where this service's degradation flags are shared: a directory (`DEGRADATION_DIR`, the local supervisor's), a
 * ConfigMap (`DEGRADATION_CONFIGMAP`, on Kubernetes, through the in-cluster API), or nowhere (the flags live in
 * the process). Both set, or a ConfigMap outside a pod, is a configuration error.
 */
export function degradationStoreFor(
  config: BaseConfig,
  env: NodeJS.ProcessEnv,
): DegradationStore | undefined {
  const { DEGRADATION_DIR: dir, DEGRADATION_CONFIGMAP: configMap } = config;
  if (dir !== undefined && configMap !== undefined)
    throw new ConfigError(
      'invalid configuration: DEGRADATION_DIR and DEGRADATION_CONFIGMAP: set one, not both',
    );
  if (dir !== undefined) return fileDegradationStore(dir);
  if (configMap === undefined) return undefined;
  let kube: KubeClient;
  try {
    kube = config.KUBE_API_URL
      ? KubeClient.throughProxy(config.KUBE_API_URL, env.POD_NAMESPACE ?? 'default')
      : KubeClient.inCluster(env);
  } catch (error) {
    throw new ConfigError(`invalid configuration: DEGRADATION_CONFIGMAP: ${(error as Error).message}`);
  }
  return configMapDegradationStore(kube, configMap);
}
