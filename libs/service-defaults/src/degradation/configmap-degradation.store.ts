import type { KubeClient } from '@rebound/kube';
import { type DegradationStore, parseStoredFlag, type StoredDegradationFlag } from './degradation.store.ts';

const keyOf = (flag: string) => `${flag}.json`;

/**
 * On Kubernetes the pods of a service share no disk: their flags live in one ConfigMap (`gateway-degradation`),
 * one key per flag (`serve-cached-catalog.json`, the file store's file name), read and merge-patched through the
 * API with the pod's service account (its Role allows get and patch on that ConfigMap alone). A merge patch
 * names one key, so switching one flag never rewrites another's; a GET answers the latest write, so a switch at
 * one pod reaches the others at their next poll, as the file store's does. `load` reads the ConfigMap before the
 * flags are declared, so a restarted pod serves degraded from its first call.
 */
export function configMapDegradationStore(kube: KubeClient, name: string): DegradationStore {
  const path = `/api/v1/namespaces/${encodeURIComponent(kube.namespace)}/configmaps/${encodeURIComponent(name)}`;
  const where = `ConfigMap ${kube.namespace}/${name}`;
  let loaded: Readonly<Record<string, string>> = {};

  const fetchData = async (): Promise<Readonly<Record<string, string>>> => {
    const answer = await kube.get(path);
    if (answer.status !== 200) throw new Error(`${where}: GET answered ${answer.status}${why(answer.body)}`);
    return (answer.body as { data?: Record<string, string> } | undefined)?.data ?? {};
  };
  const parse = (flag: string, data: Readonly<Record<string, string>>): StoredDegradationFlag | undefined => {
    const text = data[keyOf(flag)];
    return text === undefined ? undefined : parseStoredFlag(`${where} key ${keyOf(flag)}`, text);
  };
  return {
    where,
    async load() {
      loaded = await fetchData();
    },
    readSync: (flag) => parse(flag, loaded),
    read: async (flag) => parse(flag, await fetchData()),
    async write(flag, state) {
      const answer = await kube.patch(path, { data: { [keyOf(flag)]: JSON.stringify(state) } }, 'merge');
      if (answer.status !== 200)
        throw new Error(`${where}: PATCH answered ${answer.status}${why(answer.body)}`);
    },
  };
}

/** The API server's reason (a `Status` object's message), when it gave one. */
function why(body: unknown): string {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? `: ${message}` : '';
}
