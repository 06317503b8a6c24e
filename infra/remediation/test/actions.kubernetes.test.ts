/**
 * The Kubernetes actions' decisions and the API requests they send, against a loopback HTTP server that answers
 * with the API server's documented shapes (no cluster runs here: what the cluster then does with an eviction or a
 * patch is Kubernetes' and Argo Rollouts' part, exercised on kind).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type KubeAnswer, type SeenRequest, startKubeApi } from '@rebound/testing';
import {
  addReplicaByHpa,
  evictReplica,
  KubeClient,
  rollbackRollout,
  serveCachedCatalogOnPods,
  type WebhookAlert,
} from '../src/index.ts';

type Seen = SeenRequest;
let routes: Record<string, KubeAnswer> = {};
let api: Awaited<ReturnType<typeof startKubeApi>>;
let seen: Seen[] = [];
let kube: KubeClient;

const pod = (name: string, ready: boolean) => ({
  metadata: { name, labels: { 'app.kubernetes.io/name': 'catalog' } },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const replicaSet = (hash: string, revision: number, image: string) => ({
  metadata: {
    name: `catalog-${hash}`,
    labels: { 'app.kubernetes.io/name': 'catalog', 'rollouts-pod-template-hash': hash },
    annotations: { 'rollout.argoproj.io/revision': String(revision) },
    ownerReferences: [{ kind: 'Rollout', name: 'catalog' }],
  },
  spec: {
    template: {
      metadata: { labels: { 'app.kubernetes.io/name': 'catalog', 'rollouts-pod-template-hash': hash } },
      spec: { containers: [{ name: 'app', image }] },
    },
  },
});
const alert: WebhookAlert = {
  status: 'firing',
  labels: { alertname: 'ServiceErrorRatioHigh', service: 'catalog' },
  annotations: { summary: 'catalog fails' },
  startsAt: '2026-12-07T14:00:00Z',
  fingerprint: 'f1',
};
const PODS = '/api/v1/namespaces/rebound/pods';
const ROLLOUT = '/apis/argoproj.io/v1alpha1/namespaces/rebound/rollouts/catalog';
const REPLICASETS = `/apis/apps/v1/namespaces/rebound/replicasets?labelSelector=${encodeURIComponent('app.kubernetes.io/name=catalog')}`;
const PODS_OF_CATALOG = `${PODS}?labelSelector=${encodeURIComponent('app.kubernetes.io/name=catalog')}`;

before(async () => {
  api = await startKubeApi((key) => routes[key]);
  seen = api.seen;
  kube = new KubeClient({ baseUrl: api.url, namespace: 'rebound', token: () => 'sa-token' });
});
after(() => api.close());
beforeEach(() => {
  seen.length = 0;
  routes = {};
});

describe('restart-replica on Kubernetes (eviction)', () => {
  it('does not evict the last ready pod of a service', async () => {
    routes[`GET ${PODS}/catalog-a`] = { status: 200, body: pod('catalog-a', true) };
    routes[`GET ${PODS_OF_CATALOG}`] = {
      status: 200,
      body: { items: [pod('catalog-a', true), pod('catalog-b', false)] },
    };
    const check = await evictReplica.precondition('catalog-a', kube);
    assert.deepEqual(check, {
      ok: false,
      detail: 'no other pod of catalog is ready: not evicting the last one',
    });
    assert.equal(seen[0]?.authorization, 'Bearer sa-token');
  });

  it('evicts an outlier while a sibling is ready, and reports a PodDisruptionBudget refusal as a failure', async () => {
    routes[`GET ${PODS}/catalog-a`] = { status: 200, body: pod('catalog-a', true) };
    routes[`GET ${PODS_OF_CATALOG}`] = {
      status: 200,
      body: { items: [pod('catalog-a', true), pod('catalog-b', true)] },
    };
    assert.deepEqual(await evictReplica.precondition('catalog-a', kube), {
      ok: true,
      detail: 'catalog-a runs; catalog-b ready',
    });
    routes[`POST ${PODS}/catalog-a/eviction`] = { status: 201, body: { kind: 'Status', status: 'Success' } };
    assert.equal((await evictReplica.run('catalog-a', alert, kube)).ok, true);
    const eviction = seen.at(-1) as Seen;
    assert.equal(eviction.contentType, 'application/json');
    assert.deepEqual(eviction.body, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'catalog-a', namespace: 'rebound' },
    });
    routes[`POST ${PODS}/catalog-a/eviction`] = {
      status: 429,
      body: { kind: 'Status', message: 'Cannot evict pod as it would violate the pod disruption budget.' },
    };
    assert.deepEqual(await evictReplica.run('catalog-a', alert, kube), {
      ok: false,
      detail:
        'evicting catalog-a refused (HTTP 429): Cannot evict pod as it would violate the pod disruption budget.',
    });
  });

  it('names a pod that does not exist', async () => {
    assert.deepEqual(await evictReplica.precondition('catalog-gone', kube), {
      ok: false,
      detail: 'no pod catalog-gone in rebound',
    });
  });
});

describe('rollback-last-rollout on Kubernetes (Argo Rollouts)', () => {
  it('aborts a canary under way through the status subresource', async () => {
    routes[`GET ${ROLLOUT}`] = { status: 200, body: { status: { currentPodHash: 'h2', stableRS: 'h1' } } };
    routes[`PATCH ${ROLLOUT}/status`] = { status: 200, body: {} };
    assert.deepEqual(await rollbackRollout.precondition('catalog', kube), {
      ok: true,
      detail: 'a canary of catalog (h2) is under way',
    });
    const result = await rollbackRollout.run('catalog', alert, kube);
    assert.equal(result.ok, true, result.detail);
    const patch = seen.at(-1) as Seen;
    assert.equal(patch.method, 'PATCH');
    assert.equal(patch.url, `${ROLLOUT}/status`);
    assert.equal(patch.contentType, 'application/merge-patch+json');
    assert.deepEqual(patch.body, { status: { abort: true } });
  });

  it("puts the previous revision's template back into the Deployment after a completed rollout", async () => {
    routes[`GET ${ROLLOUT}`] = { status: 200, body: { status: { currentPodHash: 'h2', stableRS: 'h2' } } };
    routes[`GET ${REPLICASETS}`] = {
      status: 200,
      body: { items: [replicaSet('h1', 1, 'rebound/catalog:v1'), replicaSet('h2', 2, 'rebound/catalog:v2')] },
    };
    routes['PATCH /apis/apps/v1/namespaces/rebound/deployments/catalog'] = { status: 200, body: {} };
    assert.deepEqual(await rollbackRollout.precondition('catalog', kube), {
      ok: true,
      detail: 'its last rollout completed: back from revision 2 to 1',
    });
    assert.equal((await rollbackRollout.run('catalog', alert, kube)).ok, true);
    const patch = seen.at(-1) as Seen;
    assert.equal(patch.contentType, 'application/json-patch+json');
    assert.deepEqual(patch.body, [
      {
        op: 'replace',
        path: '/spec/template',
        value: {
          metadata: { labels: { 'app.kubernetes.io/name': 'catalog' } },
          spec: { containers: [{ name: 'app', image: 'rebound/catalog:v1' }] },
        },
      },
    ]);
  });

  it('refuses when there is no earlier revision, or no Rollout', async () => {
    routes[`GET ${ROLLOUT}`] = { status: 200, body: { status: { currentPodHash: 'h1', stableRS: 'h1' } } };
    routes[`GET ${REPLICASETS}`] = {
      status: 200,
      body: { items: [replicaSet('h1', 1, 'rebound/catalog:v1')] },
    };
    assert.deepEqual(await rollbackRollout.precondition('catalog', kube), {
      ok: false,
      detail: 'Rollout catalog has no earlier revision to go back to',
    });
    routes = {};
    assert.deepEqual(await rollbackRollout.precondition('catalog', kube), {
      ok: false,
      detail: 'no Rollout catalog in rebound',
    });
  });
});

describe('add-replica on Kubernetes', () => {
  it('never runs: the HPA scales, and the audit says so', async () => {
    const check = await addReplicaByHpa.precondition('catalog', kube);
    assert.equal(check.ok, false);
    assert.match(check.detail, /HorizontalPodAutoscaler scales catalog/);
    assert.equal(seen.length, 0, 'no API call');
  });
});

describe('serve-cached-catalog on Kubernetes', () => {
  // The pods' admin port is this same loopback server: the flag POSTs are recorded beside the API calls.
  let flagged: KubeClient;
  const PODS_OF_GATEWAY = `${PODS}?labelSelector=${encodeURIComponent('app.kubernetes.io/name=gateway')}`;
  const gatewayPod = (name: string, phase: string, extra: Record<string, unknown> = {}) => ({
    metadata: { name, labels: { 'app.kubernetes.io/name': 'gateway' }, ...extra },
    status: { phase, ...(phase === 'Running' && { podIP: '127.0.0.1' }) },
  });
  const flagAnswer = (on: boolean): KubeAnswer => ({
    status: 200,
    body: { flags: { 'serve-cached-catalog': { on } } },
  });
  const flagCalls = () => seen.filter((r) => r.url === '/admin/degradation');
  const catalogDown: WebhookAlert = {
    ...alert,
    labels: { alertname: 'CatalogUnavailable', service: 'catalog' },
  };

  before(() => {
    flagged = new KubeClient({
      baseUrl: api.url,
      namespace: 'rebound',
      token: () => 'sa-token',
      adminToken: 'admin-secret',
      adminPort: Number(new URL(api.url).port),
    });
  });

  it('switches the flag on at every running gateway pod (never through the Service), and off on the resolution', async () => {
    routes[`GET ${PODS_OF_GATEWAY}`] = {
      status: 200,
      body: {
        items: [
          gatewayPod('gateway-a', 'Running'),
          gatewayPod('gateway-b', 'Running'),
          gatewayPod('gateway-old', 'Running', { deletionTimestamp: '2026-12-07T14:00:00Z' }),
        ],
      },
    };
    assert.equal(serveCachedCatalogOnPods.target(catalogDown), 'gateway', 'the flag lives on the gateway');
    const check = await serveCachedCatalogOnPods.precondition('gateway', flagged);
    assert.deepEqual(check, { ok: true, detail: '2 replica(s) of gateway to switch: gateway-a, gateway-b' });

    routes['POST /admin/degradation'] = flagAnswer(true);
    const on = await serveCachedCatalogOnPods.run('gateway', catalogDown, flagged);
    assert.deepEqual(on, { ok: true, detail: 'serve-cached-catalog on at gateway-a, gateway-b' });
    assert.equal(flagCalls().length, 2);
    for (const call of flagCalls()) {
      assert.equal(
        call.authorization,
        'Bearer admin-secret',
        "the services' admin token, not the service account's",
      );
      assert.deepEqual(call.body, {
        flag: 'serve-cached-catalog',
        on: true,
        reason: 'remediation: CatalogUnavailable firing',
      });
    }

    seen.length = 0;
    routes['POST /admin/degradation'] = flagAnswer(false);
    const off = await serveCachedCatalogOnPods.undo!(
      'gateway',
      { ...catalogDown, status: 'resolved' },
      flagged,
    );
    assert.deepEqual(off, { ok: true, detail: 'serve-cached-catalog off at gateway-a, gateway-b' });
    assert.deepEqual(
      flagCalls().map((call) => (call.body as { on: boolean }).on),
      [false, false],
    );
  });

  it('reports the pods it could not switch: not running yet, or refused', async () => {
    routes[`GET ${PODS_OF_GATEWAY}`] = {
      status: 200,
      body: { items: [gatewayPod('gateway-a', 'Running'), gatewayPod('gateway-new', 'Pending')] },
    };
    routes['POST /admin/degradation'] = {
      status: 401,
      body: { error: 'POST /admin/degradation needs Authorization' },
    };
    const result = await serveCachedCatalogOnPods.run('gateway', catalogDown, flagged);
    assert.equal(result.ok, false);
    assert.equal(
      result.detail,
      'serve-cached-catalog on at none; not at gateway-a: HTTP 401 POST /admin/degradation needs Authorization; gateway-new: not running (Pending)',
    );
    routes[`GET ${PODS_OF_GATEWAY}`] = { status: 200, body: { items: [] } };
    assert.deepEqual(await serveCachedCatalogOnPods.precondition('gateway', flagged), {
      ok: false,
      detail: 'no running replica of gateway to switch serve-cached-catalog at',
    });
  });
});
