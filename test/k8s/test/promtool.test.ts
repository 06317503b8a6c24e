import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { parse } from 'yaml';
import {
  clusterAlertmanagerConfig,
  type Json,
  type K8sObject,
  renderCombination,
  repoRoot,
  skipUnlessKustomize,
} from '../src/index.ts';

const skip = skipUnlessKustomize() || skipUnlessBinary('promtool', 'prometheus');

describe('rules and dashboards in the rendered monitoring component', { skip }, () => {
  let objects: K8sObject[] = [];
  let dir = '';
  const configMap = (name: string) => {
    // Generated ConfigMaps carry a content-hash suffix unless the generator disables it.
    const found = objects.find(
      (o) => o.kind === 'ConfigMap' && (o.metadata.name === name || o.metadata.name.startsWith(`${name}-`)),
    );
    assert.ok(found, `ConfigMap ${name} is not rendered`);
    return (found as { data?: Record<string, string> }).data ?? {};
  };

  before(async () => {
    objects = await renderCombination(['base'], ['monitoring']);
    dir = mkdtempSync(join(tmpdir(), 'rebound-rules-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('carries every rule file of infra/prometheus/rules, and promtool accepts them', () => {
    const rules = configMap('prometheus-rules');
    const sources = readdirSync(join(repoRoot, 'infra/prometheus/rules')).filter((f) => f.endsWith('.yml'));
    assert.deepEqual(Object.keys(rules).sort(), sources.sort());
    const files = Object.entries(rules).map(([name, content]) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    });
    const result = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /SUCCESS: \d+ rules found/);
  });

  it('lets promtool reject a broken rule (the check is not vacuous)', () => {
    const broken = join(dir, 'broken.yml');
    writeFileSync(
      broken,
      'groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n',
    );
    const result = spawnSync('promtool', ['check', 'rules', broken], { encoding: 'utf8' });
    assert.notEqual(result.status, 0);
  });

  it('mounts the rules where the cluster Prometheus config loads them', () => {
    const config = parse(configMap('prometheus-config')['prometheus.yml'] as string);
    assert.deepEqual(config.rule_files, ['/etc/prometheus/rules/*.yml']);
    const prometheus = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === 'prometheus',
    ) as Json;
    const mount = prometheus.spec.template.spec.containers[0].volumeMounts.find(
      (m: Json) => m.name === 'rules',
    );
    assert.equal(mount.mountPath, '/etc/prometheus/rules');
  });

  it('ships dashboards identical to infra/grafana/dashboards, labelled for provisioning', () => {
    const data = configMap('grafana-dashboards');
    const sourceDir = join(repoRoot, 'infra/grafana/dashboards');
    const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.json'));
    assert.ok(sources.length > 0);
    assert.deepEqual(Object.keys(data).sort(), sources.sort());
    for (const name of sources) assert.equal(data[name], readFileSync(join(sourceDir, name), 'utf8'), name);
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'grafana-dashboards');
    assert.equal(map?.metadata.labels?.grafana_dashboard, '1');
  });

  it('ships infra/alertmanager/alertmanager.yml as the Alertmanager configuration (remediation URL for the cluster)', () => {
    const data = configMap('alertmanager-config');
    const source = readFileSync(join(repoRoot, 'infra/alertmanager/alertmanager.yml'), 'utf8');
    assert.equal(data['alertmanager.yml'], clusterAlertmanagerConfig(source));
  });
});
