import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import {
  ANALYSIS_TEMPLATES_FILE,
  componentNames,
  GENERATED_DIR,
  K8S_DIR,
  monitoringBundle,
  objectId,
  overlayNames,
  renderAnalysisTemplates,
  renderBaseFile,
  renderCombination,
  renderDir,
  SERVICES,
  skipUnlessKustomize,
} from '../src/index.ts';

const skip = skipUnlessKustomize();

describe('k8s sources', () => {
  it('keeps every base file equal to what test/k8s/src/generate-base.cli.ts produces', () => {
    for (const spec of SERVICES) {
      const file = join(K8S_DIR, 'base', `${spec.name}.yaml`);
      assert.equal(
        readFileSync(file, 'utf8'),
        renderBaseFile(spec),
        `${file} is stale: run node test/k8s/src/generate-base.cli.ts`,
      );
    }
    assert.equal(
      readFileSync(join(K8S_DIR, 'base', ANALYSIS_TEMPLATES_FILE), 'utf8'),
      renderAnalysisTemplates(),
      `${ANALYSIS_TEMPLATES_FILE} is stale: run node test/k8s/src/generate-base.cli.ts`,
    );
    const listed = (
      parse(readFileSync(join(K8S_DIR, 'base', 'kustomization.yaml'), 'utf8')) as { resources: string[] }
    ).resources;
    assert.deepEqual(
      [...listed].sort(),
      [...SERVICES.map((s) => `${s.name}.yaml`), ANALYSIS_TEMPLATES_FILE].sort(),
    );
  });

  it('keeps the monitoring copies identical to infra/prometheus, infra/alertmanager and infra/grafana', () => {
    const expected = monitoringBundle();
    const committed = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else committed.set(relative(GENERATED_DIR, path), readFileSync(path, 'utf8'));
      }
    };
    walk(GENERATED_DIR);
    assert.deepEqual(
      [...committed.keys()].sort(),
      [...expected.keys()].sort(),
      'run node test/k8s/src/sync-monitoring.cli.ts',
    );
    for (const [path, content] of expected) {
      assert.equal(
        committed.get(path),
        content,
        `${path} differs from its source: run node test/k8s/src/sync-monitoring.cli.ts`,
      );
    }
  });

  it('gives every component a kind: Component kustomization and a README', () => {
    assert.ok(componentNames().length >= 6);
    for (const name of componentNames()) {
      const dir = join(K8S_DIR, 'components', name);
      const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { kind: string };
      assert.equal(kustomization.kind, 'Component', name);
      assert.ok(existsSync(join(dir, 'README.md')), `${name} has no README.md`);
    }
  });
});

describe('kustomize rendering', { skip }, () => {
  it('renders the base and every overlay', async () => {
    const base = await renderDir(join(K8S_DIR, 'base'));
    assert.equal(base.filter((o) => o.kind === 'Deployment').length, SERVICES.length);
    for (const overlay of overlayNames()) {
      const objects = await renderDir(join(K8S_DIR, 'overlays', overlay));
      const ids = objects.map(objectId);
      assert.equal(new Set(ids).size, ids.length, `${overlay} renders duplicate objects`);
    }
  });

  it('fails loudly on a component that does not exist (the harness is not vacuous)', async () => {
    await assert.rejects(renderCombination(['base'], ['no-such-component']));
  });
});
