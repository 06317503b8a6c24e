import { readFileSync } from 'node:fs';
import { callHttp, type HttpAnswer } from './http.answer.ts';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeClientOptions {
  /** `https://<host>:<port>` of the API server. */
  readonly baseUrl: string;
  /** The namespace the controller acts in (its own). */
  readonly namespace: string;
  /**
   * Read at every call: projected service-account tokens are rotated by the kubelet. Empty: no Authorization
   * header (through `kubectl proxy`, which authenticates itself).
   */
  readonly token: () => string;
  /** The cluster's CA (PEM); undefined for a plain-HTTP test server. */
  readonly ca?: string;
  /** The services' ADMIN_TOKEN, for their admin ports (degradation flags); default the local one. */
  readonly adminToken?: string;
  /** The services' admin port in their pods; default 9464. */
  readonly adminPort?: number;
}

/**
 * A small client of the Kubernetes API for the remediation controller's actions, with the pod's service-account
 * token (RBAC: `k8s/components/remediation`). Only what the actions need: GET, a list by label selector, a
 * patch and an eviction. Answers as `{status, body}`, like the supervisor's client.
 */
export class KubeClient {
  readonly namespace: string;
  /** The services' admin port in their pods. */
  readonly adminPort: number;
  readonly #o: KubeClientOptions;

  constructor(options: KubeClientOptions) {
    this.#o = options;
    this.namespace = options.namespace;
    this.adminPort = options.adminPort ?? 9464;
  }

  /** The in-cluster configuration: the API server from the environment, the mounted token, CA and namespace. */
  static inCluster(env: NodeJS.ProcessEnv = process.env): KubeClient {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? '443';
    if (!host) throw new Error('not in a pod: KUBERNETES_SERVICE_HOST is not set');
    const read = (name: string) => readFileSync(`${SERVICE_ACCOUNT}/${name}`, 'utf8');
    return new KubeClient({
      baseUrl: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      namespace: env.POD_NAMESPACE ?? read('namespace').trim(),
      token: () => read('token').trim(),
      ca: read('ca.crt'),
      ...(env.ADMIN_TOKEN !== undefined && { adminToken: env.ADMIN_TOKEN }),
    });
  }

  /** Through `kubectl proxy` (plain HTTP on loopback, authenticated by kubectl): the controller outside a pod. */
  static throughProxy(
    url: string,
    namespace: string,
    admin: Pick<KubeClientOptions, 'adminToken' | 'adminPort'> = {},
  ): KubeClient {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new Error(`--kube-api expects an http:// URL (kubectl proxy), got '${url}'`);
    return new KubeClient({ baseUrl: parsed.origin, namespace, token: () => '', ...admin });
  }

  get(path: string): Promise<HttpAnswer> {
    return this.#call('GET', path);
  }

  post(path: string, body: unknown): Promise<HttpAnswer> {
    return this.#call('POST', path, body, 'application/json');
  }

  /** `type`: `merge` (JSON merge patch) or `json` (JSON patch, a list of operations). */
  patch(path: string, body: unknown, type: 'merge' | 'json'): Promise<HttpAnswer> {
    const contentType = type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json';
    return this.#call('PATCH', path, body, contentType);
  }

  /** A POST to a pod's admin port (`http://<pod IP>:<admin port>`), with the services' ADMIN_TOKEN. */
  podAdmin(url: string, path: string, body: unknown): Promise<HttpAnswer> {
    return callHttp(new URL(path, url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.#o.adminToken ?? 'rebound-local-admin'}`,
      },
      body,
    });
  }

  #call(method: string, path: string, body?: unknown, contentType?: string): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.#o.token();
    if (token !== '') headers.authorization = `Bearer ${token}`;
    if (contentType) headers['content-type'] = contentType;
    return callHttp(new URL(path, this.#o.baseUrl), {
      method,
      headers,
      ...(body !== undefined && { body }),
      ...(this.#o.ca && { ca: this.#o.ca }),
    });
  }
}
