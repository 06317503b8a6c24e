/**
 * What the data-tier tests read from rendered manifests: CloudNativePG Clusters (whose pods the operator
 * creates, so no workload is rendered for them), pg_hba rules evaluated as PostgreSQL does, pinned images.
 */
import type { Json, K8sObject } from './manifest.renderer.ts';

/** `name:tag@sha256:<digest>`: the tag for people, the digest for the kubelet. */
export const DIGEST_PINNED = /^[a-z0-9./-]+:[A-Za-z0-9._-]+@sha256:[a-f0-9]{64}$/;

/** The image reference without its digest (`apache/kafka:4.1.1@sha256:…` → `apache/kafka:4.1.1`). */
export function withoutDigest(image: string): string {
  return image.replace(/@sha256:[a-f0-9]{64}$/, '');
}

export function cnpgClusters(objects: readonly K8sObject[]): (K8sObject & { spec: Json })[] {
  return objects.filter(
    (o) => o.apiVersion === 'postgresql.cnpg.io/v1' && o.kind === 'Cluster',
  ) as (K8sObject & {
    spec: Json;
  })[];
}

/** The labels the operator puts on a Cluster's instance pods (CloudNativePG docs, "Labels and annotations"). */
export function cnpgInstanceLabels(cluster: K8sObject): Record<string, string> {
  return {
    'cnpg.io/cluster': cluster.metadata.name,
    'cnpg.io/podRole': 'instance',
    ...((cluster.spec as Json)?.inheritedMetadata?.labels ?? {}),
  };
}

/** The Services the operator creates for a Cluster: `<name>-rw` (primary), `-ro` (standbys), `-r` (any). */
export function cnpgServiceNames(cluster: K8sObject): { rw: string; ro: string; r: string } {
  const name = cluster.metadata.name;
  return { rw: `${name}-rw`, ro: `${name}-ro`, r: `${name}-r` };
}

/** The rules the operator writes before the user's `pg_hba` lines (CloudNativePG docs, "The pg_hba section"). */
const FIXED_HBA = [
  'local all all peer',
  'hostssl postgres streaming_replica all cert',
  'hostssl replication streaming_replica all cert',
  'hostssl all cnpg_pooler_pgbouncer all cert',
];
/** And the one after them. */
const DEFAULT_HBA = 'host all all all scram-sha-256';

/**
 * The method of the first pg_hba rule that matches a TCP connection of `user` to `database` (as PostgreSQL
 * reads pg_hba.conf: first match wins). Supports the forms the manifests use: `host`/`hostssl`, comma lists,
 * `all`, any address.
 */
export function hbaMethod(userRules: readonly string[], user: string, database: string): string {
  for (const line of [...FIXED_HBA, ...userRules, DEFAULT_HBA]) {
    const [type, databases, users, , method] = line.trim().split(/\s+/);
    if (type !== 'host' && type !== 'hostssl') continue;
    const matches = (list: string | undefined, value: string) =>
      list !== undefined && (list === 'all' || list.split(',').includes(value));
    if (matches(databases, database) && matches(users, user)) return method as string;
  }
  return 'none';
}
