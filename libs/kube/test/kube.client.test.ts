import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '@rebound/kube';
import { startKubeApi } from '@rebound/testing';

describe('KubeClient', () => {
  let api: Awaited<ReturnType<typeof startKubeApi>>;
  let tokens = 0;
  before(async () => {
    api = await startKubeApi((key) =>
      key.startsWith('GET ')
        ? { status: 200, body: { kind: 'ConfigMap', data: {} } }
        : { status: 200, body: 'ok' },
    );
  });
  after(() => api.close());

  it('reads the token at every call (the kubelet rotates it) and names the patch type in the content type', async () => {
    const kube = new KubeClient({ baseUrl: api.url, namespace: 'rebound', token: () => `token-${++tokens}` });
    assert.deepEqual(await kube.get('/api/v1/namespaces/rebound/configmaps/x'), {
      status: 200,
      body: { kind: 'ConfigMap', data: {} },
    });
    await kube.patch('/api/v1/namespaces/rebound/configmaps/x', { data: { a: '1' } }, 'merge');
    await kube.patch(
      '/apis/apps/v1/namespaces/rebound/deployments/x',
      [{ op: 'remove', path: '/a' }],
      'json',
    );
    assert.deepEqual(
      api.seen.map((r) => [r.method, r.authorization, r.contentType]),
      [
        ['GET', 'Bearer token-1', undefined],
        ['PATCH', 'Bearer token-2', 'application/merge-patch+json'],
        ['PATCH', 'Bearer token-3', 'application/json-patch+json'],
      ],
    );
  });

  it('sends no Authorization through kubectl proxy, and refuses what is not a proxy URL or not a pod', async () => {
    const kube = KubeClient.throughProxy(api.url, 'rebound');
    await kube.get('/api/v1/namespaces/rebound/configmaps/x');
    assert.equal(api.seen.at(-1)?.authorization, undefined);
    assert.throws(
      () => KubeClient.throughProxy('ftp://127.0.0.1:8001', 'rebound'),
      /expects an http:\/\/ URL/,
    );
    assert.throws(() => KubeClient.inCluster({}), /not in a pod: KUBERNETES_SERVICE_HOST is not set/);
  });
});
