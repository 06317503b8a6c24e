/**
 * `pnpm kind:chaos` data-tier experiments, offline: the custom resources the drill applies pass their CRD
 * schemas and name what the manifests define, and the experiments are listed and dispatched.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { type Json, K8S_DIR, type K8sObject, repoRoot, validateCustomResource } from '../src/index.ts';

const chaos = readFileSync(join(repoRoot, 'infra/kind/chaos.sh'), 'utf8');
const lib = readFileSync(join(repoRoot, 'infra/kind/lib.sh'), 'utf8');

/** The `<<YAML` documents of chaos.sh with its shell variables replaced by sample values. */
function heredocs(values: Record<string, string>): K8sObject[] {
  return [...chaos.matchAll(/<<YAML\n([\s\S]*?)\nYAML\n/g)].map((m) => {
    const text = (m[1] as string).replace(/\$\{([a-z_A-Z]+)\}/g, (_, name: string) => {
      assert.ok(name in values, `chaos.sh uses \${${name}} in a manifest`);
      return values[name] as string;
    });
    return parse(text) as K8sObject;
  });
}

describe('kind:chaos data-tier experiments', () => {
  const cluster = parse(readFileSync(join(K8S_DIR, 'components/postgresql/cluster.yaml'), 'utf8')) as Json;
  const objects = heredocs({
    NAMESPACE: 'rebound',
    PG_CLUSTER: cluster.metadata.name,
    stamp: '20260101120000',
    image: cluster.spec.imageName,
    target: '0/3000060',
  });

  it('applies a Backup and a restore Cluster that pass the CRD schemas', () => {
    assert.deepEqual(objects.map((o) => o.kind).sort(), ['Backup', 'Cluster']);
    for (const object of objects) assert.deepEqual(validateCustomResource(object), [], object.kind);
  });

  it('backs up the live Cluster through its WAL archiver and restores from the ObjectStore it archives to', () => {
    const backup = objects.find((o) => o.kind === 'Backup') as Json;
    const restore = objects.find((o) => o.kind === 'Cluster') as Json;
    const archiver = cluster.spec.plugins.find((p: Json) => p.isWALArchiver);
    assert.equal(backup.spec.cluster.name, cluster.metadata.name);
    assert.equal(backup.spec.method, 'plugin');
    assert.equal(backup.spec.pluginConfiguration.name, archiver.name);
    assert.notEqual(
      restore.metadata.name,
      cluster.metadata.name,
      'the drill must not touch the live Cluster',
    );
    const source = restore.spec.externalClusters.find(
      (c: Json) => c.name === restore.spec.bootstrap.recovery.source,
    );
    assert.equal(source.plugin.name, archiver.name);
    assert.equal(source.plugin.parameters.barmanObjectName, archiver.parameters.barmanObjectName);
    assert.equal(
      source.plugin.parameters.serverName,
      cluster.metadata.name,
      'the archive is kept per server name',
    );
    assert.equal(
      restore.spec.plugins,
      undefined,
      'a restored copy must not archive into the live server name',
    );
    assert.match(restore.spec.bootstrap.recovery.recoveryTarget.targetLSN, /^[0-9A-F]+\/[0-9A-F]+$/);
    // The NetworkPolicies admit the restored copy's pods too (they select on the presence of cnpg.io/cluster).
    const policies = readFileSync(join(K8S_DIR, 'components/network-policies/data-stores.yaml'), 'utf8');
    assert.match(policies, /name: cnpg-instances[\s\S]*?key: cnpg\.io\/cluster\s+operator: Exists/);
  });

  it('lists and dispatches kill-db-primary, kill-broker and drill, and pins the operator by digest', () => {
    const help = spawnSync('/bin/bash', [join(repoRoot, 'infra/kind/chaos.sh'), '--help'], {
      encoding: 'utf8',
    });
    assert.equal(help.status, 0);
    for (const experiment of ['kill-db-primary', 'kill-broker', 'drill']) {
      assert.match(help.stdout, new RegExp(`^#   ${experiment}\\b`, 'm'));
      assert.match(chaos, new RegExp(`^  ${experiment}\\)$`, 'm'), `no case for ${experiment}`);
    }
    assert.match(lib, /^CNPG_VERSION="\d+\.\d+\.\d+"$/m);
    const version = /^CNPG_VERSION="([\d.]+)"$/m.exec(lib)?.[1];
    assert.match(
      lib,
      new RegExp(
        `^CNPG_OPERATOR_IMAGE="ghcr\\.io/cloudnative-pg/cloudnative-pg:${version}@sha256:[a-f0-9]{64}"$`,
        'm',
      ),
    );
    for (const pin of ['BARMAN_CLOUD_PLUGIN_VERSION', 'CERT_MANAGER_VERSION'])
      assert.match(lib, new RegExp(`^${pin}="v?\\d+\\.\\d+\\.\\d+"$`, 'm'), pin);
  });
});
