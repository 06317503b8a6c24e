import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { parse, parseAllDocuments } from 'yaml';
import { appExists, repoRoot, SERVICES, skipUnlessKustomize } from '../src/index.ts';

const kindDir = join(repoRoot, 'infra/kind');
const scripts = readdirSync(kindDir).filter((f) => f.endsWith('.sh'));
const temp = mkdtempSync(join(tmpdir(), 'rebound-kind-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** A PATH holding only `tools` (real binaries linked in) and `fakes` (scripts with the given bodies). */
function isolatedPath(name: string, tools: string[], fakes: Record<string, string> = {}): string {
  const bin = join(temp, name);
  spawnSync('mkdir', ['-p', bin]);
  for (const tool of tools) {
    const real = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    assert.ok(real, `${tool} not found`);
    symlinkSync(real, join(bin, tool));
  }
  for (const [tool, body] of Object.entries(fakes)) {
    writeFileSync(join(bin, tool), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, tool), 0o755);
  }
  return bin;
}

function runScript(script: string, args: string[], path?: string) {
  return spawnSync('/bin/bash', [join(kindDir, script), ...args], {
    encoding: 'utf8',
    env: { HOME: process.env.HOME ?? '/tmp', PATH: path ?? process.env.PATH ?? '' },
  });
}

describe('infra/kind scripts', () => {
  it('are shellcheck clean', { skip: skipUnlessBinary('shellcheck', 'shellcheck') }, () => {
    assert.ok(scripts.length >= 5, scripts.join(' '));
    const result = spawnSync('shellcheck', ['-x', ...scripts], { cwd: kindDir, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('name docker as missing first, then a dead daemon, then kind', () => {
    const basics = ['dirname', 'sed', 'grep', 'awk'];
    const none = runScript('up.sh', [], isolatedPath('none', basics));
    assert.equal(none.status, 1);
    assert.match(none.stderr, /docker is not installed/);
    const dead = runScript('up.sh', [], isolatedPath('dead', basics, { docker: 'exit 1' }));
    assert.equal(dead.status, 1);
    assert.match(dead.stderr, /docker is installed but the daemon does not answer/);
    const noKind = runScript('up.sh', [], isolatedPath('nokind', basics, { docker: 'exit 0' }));
    assert.equal(noKind.status, 1);
    assert.match(noKind.stderr, /kind is not installed/);
    const noKubectl = runScript(
      'up.sh',
      [],
      isolatedPath('nokubectl', basics, { docker: 'exit 0', kind: 'echo "kind v0.32.0 go1.25 linux/amd64"' }),
    );
    assert.equal(noKubectl.status, 1);
    assert.match(noKubectl.stderr, /kubectl is not installed/);
  });

  it('refuse a kubectl outside the version skew of the pinned node image', () => {
    const old = runScript(
      'up.sh',
      [],
      isolatedPath('oldkubectl', ['dirname', 'sed', 'grep', 'awk', 'head'], {
        docker: 'exit 0',
        kind: 'echo "kind v0.32.0 go1.25 linux/amd64"',
        kubectl: 'echo \'{"clientVersion": {"major": "1", "minor": "29"}}\'',
      }),
    );
    assert.equal(old.status, 1);
    assert.match(old.stderr, /kubectl 1\.29 is outside the supported skew/);
  });

  it('bound every watch: run_for stops a command that never ends by itself', () => {
    const result = spawnSync(
      '/bin/bash',
      ['-c', `source ${join(kindDir, 'lib.sh')}; run_for 1 sleep 600; echo stopped`],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(result.signal, null, 'run_for did not return: the harness had to kill it');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /stopped/);
  });

  it('send fault bodies the services accept (POST /admin/faults schema)', async () => {
    const path = join(repoRoot, 'libs/service-defaults/src/faults/fault.injector.ts');
    const { faultSettingsSchema } = (await import(path)) as {
      faultSettingsSchema: { safeParse(value: unknown): { success: boolean } };
    };
    const chaos = readFileSync(join(kindDir, 'chaos.sh'), 'utf8');
    const bodies = [...chaos.matchAll(/faults "\$pod" '(\{[^']*\})'/g)].map((m) => m[1] as string);
    assert.ok(bodies.length >= 5, `found ${bodies.length} fault bodies`);
    for (const body of bodies) {
      const { crash, ...settings } = JSON.parse(body) as { crash?: unknown };
      assert.ok(crash === undefined || crash === true, body);
      assert.ok(faultSettingsSchema.safeParse(settings).success, `rejected: ${body}`);
    }
    assert.equal(faultSettingsSchema.safeParse({ cpuBurnPercnt: 90 }).success, false, 'the schema is strict');
  });

  it('reject unknown flags and experiments, and print help', () => {
    assert.match(runScript('up.sh', ['--bogus']).stderr, /unknown flag --bogus/);
    const chaos = runScript('chaos.sh', ['explode']);
    assert.equal(chaos.status, 1);
    assert.match(chaos.stderr, /unknown experiment 'explode'/);
    const help = runScript('chaos.sh', ['--help']);
    assert.equal(help.status, 0);
    for (const experiment of ['kill-pod', 'crash', 'cpu', 'latency', 'zero', 'drain', 'bad-rollout'])
      assert.match(help.stdout, new RegExp(experiment));
  });

  it('render the kind overlay with the build tag, leaving out services whose app does not exist yet', {
    skip: skipUnlessKustomize(),
  }, () => {
    const out = join(temp, 'overlay');
    const result = runScript('render.sh', ['--tag', 'abc123def456', '--out', out]);
    assert.equal(result.status, 0, result.stderr);
    const objects = parseAllDocuments(readFileSync(join(out, 'rendered.yaml'), 'utf8')).map((d) => d.toJS());
    const deployments = objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'rebound');
    for (const spec of SERVICES) {
      const deployment = deployments.find((d) => d.metadata.name === spec.name);
      if (!appExists(spec.name)) {
        assert.equal(deployment, undefined, `${spec.name} has no app but is deployed`);
        continue;
      }
      assert.ok(deployment, spec.name);
      assert.equal(deployment.spec.template.spec.containers[0].image, `rebound/${spec.name}:abc123def456`);
    }
  });

  it('map the NodePorts the manifests use, on a pinned node image with three nodes', () => {
    const cluster = parse(readFileSync(join(kindDir, 'cluster.yaml'), 'utf8'));
    assert.equal(cluster.apiVersion, 'kind.x-k8s.io/v1alpha4');
    assert.deepEqual(
      cluster.nodes.map((n: { role: string }) => n.role),
      ['control-plane', 'worker', 'worker'],
    );
    const mappings = cluster.nodes[0].extraPortMappings as {
      containerPort: number;
      hostPort: number;
      listenAddress: string;
    }[];
    assert.deepEqual(mappings.map((m) => `${m.containerPort}->${m.hostPort}`).sort(), [
      '30030->3000',
      '30080->8080',
    ]);
    assert.ok(mappings.every((m) => m.listenAddress === '127.0.0.1'));
    const gateway = readFileSync(join(repoRoot, 'k8s/overlays/kind/gateway-nodeport.yaml'), 'utf8');
    const grafana = readFileSync(join(repoRoot, 'k8s/components/monitoring/grafana.yaml'), 'utf8');
    assert.match(gateway, /nodePort: 30080/);
    assert.match(grafana, /nodePort: 30030/);
    const lib = readFileSync(join(kindDir, 'lib.sh'), 'utf8');
    assert.match(lib, /^NODE_IMAGE="kindest\/node:v\d+\.\d+\.\d+(@sha256:[a-f0-9]{64})?"$/m);
    for (const pin of ['KIND_VERSION', 'METRICS_SERVER_VERSION', 'KEDA_VERSION']) {
      assert.match(lib, new RegExp(`^${pin}="v?\\d+\\.\\d+\\.\\d+"$`, 'm'), pin);
    }
  });
});
