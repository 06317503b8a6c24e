/**
 * The controller as its own process in Kubernetes mode (`--platform kubernetes --kube-api`, as through
 * `kubectl proxy`): an Alertmanager webhook in, the eviction out to the API, once; the same alert again inside the
 * cool-down is audited and not acted on; a dry run acts on nothing. The API side is a loopback answerer
 * (`startKubeApi` of libs/testing): no cluster runs here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KubeAnswer, startKubeApi } from '@rebound/testing';
import type { AuditEntry } from '../src/index.ts';
import { Child, getJson } from './support/processes.ts';

const CLI = join(import.meta.dirname, '..', 'src', 'cli.ts');
const PODS = '/api/v1/namespaces/rebound/pods';
const pod = (name: string) => ({
  metadata: { name, labels: { 'app.kubernetes.io/name': 'catalog' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});
const routes: Record<string, KubeAnswer> = {
  [`GET ${PODS}/catalog-7f9c-a`]: { status: 200, body: pod('catalog-7f9c-a') },
  [`GET ${PODS}?labelSelector=${encodeURIComponent('app.kubernetes.io/name=catalog')}`]: {
    status: 200,
    body: { items: [pod('catalog-7f9c-a'), pod('catalog-7f9c-b')] },
  },
  [`POST ${PODS}/catalog-7f9c-a/eviction`]: { status: 201, body: { kind: 'Status', status: 'Success' } },
};
const webhook = (status: 'firing' | 'resolved') => ({
  version: '4',
  status,
  receiver: 'remediation',
  alerts: [
    {
      status,
      labels: {
        alertname: 'ReplicaErrorRatioOutlier',
        remediation: 'restart-replica',
        service: 'catalog',
        instance: 'catalog-7f9c-a',
        severity: 'ticket',
      },
      annotations: { summary: 'catalog-7f9c-a fails 100 % of its calls' },
      startsAt: '2026-12-07T14:00:00Z',
      fingerprint: 'a1b2c3',
    },
  ],
});

async function post(url: string, body: unknown): Promise<number> {
  const response = await fetch(`${url}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the remediation controller in Kubernetes mode (real process, loopback API)', () => {
  let api: Awaited<ReturnType<typeof startKubeApi>>;
  let dir = '';
  const children: Child[] = [];
  const start = async (...extra: string[]) => {
    const child = new Child(process.execPath, [
      CLI,
      '--platform',
      'kubernetes',
      '--kube-api',
      api.url,
      '--namespace',
      'rebound',
      '--port',
      '0',
      '--audit-file',
      join(dir, `audit-${children.length}.jsonl`),
      ...extra,
    ]);
    children.push(child);
    return (
      await child.waitFor(/remediation controller on (http:\/\/127\.0\.0\.1:\d+) \(kubernetes/, 'ready')
    )[1] as string;
  };
  before(async () => {
    api = await startKubeApi((key) => routes[key]);
    dir = mkdtempSync(join(tmpdir(), 'rebound-remediation-k8s-'));
  });
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('evicts once, then audits the repeat as cooldown; the resolution is audited too', async () => {
    const url = await start();
    assert.equal(await post(url, webhook('firing')), 200);
    assert.equal(await post(url, webhook('firing')), 200);
    assert.equal(await post(url, webhook('resolved')), 200);
    const evictions = api.seen.filter((r) => r.method === 'POST' && r.url.endsWith('/eviction'));
    assert.equal(evictions.length, 1, 'evicted more than once');
    assert.equal(evictions[0]?.authorization, undefined, 'through the proxy: no token of its own');
    const audit = await getJson<AuditEntry[]>(`${url}/audit`);
    assert.deepEqual(
      audit.map((e) => e.outcome),
      ['resolved', 'cooldown', 'executed'],
    );
    assert.match(audit[2]?.detail ?? '', /catalog-7f9c-b ready; evicted catalog-7f9c-a/);
    assert.equal(audit[2]?.runbook, 'docs/runbooks/ReplicaErrorRatioOutlier.md');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(
      metrics,
      /rebound_remediation_decisions_total\{action="restart-replica",outcome="executed"\} 1/,
    );
    assert.match(
      metrics,
      /rebound_remediation_decisions_total\{action="restart-replica",outcome="cooldown"\} 1/,
    );
    const file = readFileSync(join(dir, 'audit-0.jsonl'), 'utf8').trim().split('\n');
    assert.equal(file.length, 3, 'one audit line per decision');
  });

  it('acts on nothing in a dry run, and says what it would have done', async () => {
    const before = api.seen.length;
    const url = await start('--dry-run');
    assert.equal(await post(url, webhook('firing')), 200);
    const [entry] = await getJson<AuditEntry[]>(`${url}/audit`);
    assert.equal(entry?.outcome, 'dry_run');
    assert.match(entry?.detail ?? '', /would run restart-replica on catalog-7f9c-a/);
    const calls = api.seen.slice(before);
    assert.ok(calls.length > 0, 'the precondition reads the API');
    assert.ok(
      calls.every((r) => r.method === 'GET'),
      `a dry run sent ${calls.map((r) => r.method).join(', ')}`,
    );
    assert.match(await (await fetch(`${url}/metrics`)).text(), /rebound_remediation_dry_run 1/);
  });
});
