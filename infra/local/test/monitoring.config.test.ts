import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { rebasePorts, writeMonitoringConfigs } from '../src/monitoring.config.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('monitoring configs for a base port and a data dir', () => {
  it('moves every port of the plan, and only those', () => {
    assert.equal(
      rebasePorts('a 127.0.0.1:7415 b 127.0.0.1:7500 c 127.0.0.1:9090', 8400),
      'a 127.0.0.1:8415 b 127.0.0.1:8500 c 127.0.0.1:9090',
    );
  });

  it('writes a Prometheus config that scrapes the new plan, alerts to the new Alertmanager and watches this data dir', async (t) => {
    const dataRoot = await mkdtemp(join(tmpdir(), 'rebound-monitoring-'));
    try {
      const files = await writeMonitoringConfigs({ rootDir: ROOT, dataRoot, basePort: 8400 });
      const prometheus = await readFile(files.prometheus, 'utf8');
      const alertmanager = await readFile(files.alertmanager, 'utf8');
      assert.doesNotMatch(prometheus, /127\.0\.0\.1:7[45]\d\d/, 'no port of the 7400 plan left');
      assert.match(prometheus, /targets: \["127\.0\.0\.1:8490"\]/, 'alerts go to the Alertmanager of 8400');
      assert.match(prometheus, /targets: \["127\.0\.0\.1:8415"\]/);
      assert.ok(prometheus.includes(`files: ["${join(dataRoot, 'local', 'prometheus-targets.json')}"]`));
      for (const rule of prometheus.matchAll(/^\s*-\s*(\/\S+\.rules\.yml)$/gm)) {
        assert.ok(existsSync(rule[1] as string), `${rule[1]} exists`);
      }
      assert.match(alertmanager, /http:\/\/127\.0\.0\.1:8500\/alerts\//);
      assert.doesNotMatch(alertmanager, /127\.0\.0\.1:7500/);
      const skip = skipUnlessBinary('promtool', 'prometheus');
      if (skip) return t.skip(skip);
      // Loads every rule file the config names, by its absolute path.
      execFileSync('promtool', ['check', 'config', files.prometheus], { stdio: 'pipe' });
      const amtool = skipUnlessBinary('amtool', 'prometheus-alertmanager');
      if (amtool) return t.skip(amtool);
      execFileSync('amtool', ['check-config', files.alertmanager], { stdio: 'pipe' });
    } finally {
      await rm(dataRoot, { recursive: true, force: true });
    }
  });
});
