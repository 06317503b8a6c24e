import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { platformTopology, resolveTopology } from '@rebound/local';
import { parse } from 'yaml';
import { PROMETHEUS_DIR, REPO_ROOT } from '../src/repo.paths.ts';

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
}

describe('local scrape configuration', () => {
  const config = parse(readFileSync(`${PROMETHEUS_DIR}/prometheus.yml`, 'utf8')) as {
    scrape_configs: ScrapeConfig[];
  };
  const scraped = new Map<string, string>();
  for (const job of config.scrape_configs) {
    for (const group of job.static_configs ?? []) {
      for (const target of group.targets)
        scraped.set(target, `${group.labels?.service}-${group.labels?.replica}`);
    }
  }

  it('scrapes the admin port of every replica of the port plan (infra/local topology), as <service>-<replica>', () => {
    const specs = resolveTopology(platformTopology, { rootDir: REPO_ROOT, dataDir: '.data', basePort: 7400 });
    const plan = new Map<string, string>();
    for (const spec of specs) {
      for (const replica of spec.replicas) {
        if (replica.adminPort !== undefined) plan.set(`127.0.0.1:${replica.adminPort}`, replica.name);
      }
    }
    assert.ok(plan.size >= 9, `only ${plan.size} admin ports in the plan`);
    for (const [address, name] of plan) assert.equal(scraped.get(address), name, `${name} at ${address}`);
  });

  it('scrapes Prometheus and Alertmanager where the local runtime starts them', () => {
    const specs = resolveTopology(platformTopology, { rootDir: REPO_ROOT, dataDir: '.data', basePort: 7400 });
    for (const name of ['prometheus', 'alertmanager']) {
      const port = specs.find((s) => s.name === name)?.replicas[0]?.port;
      assert.equal(scraped.get(`127.0.0.1:${port}`), `${name}-0`);
    }
  });

  it('reads the supervisor address from the file the supervisor writes', () => {
    const job = config.scrape_configs.find((j) => j.job_name === 'rebound-supervisor') as ScrapeConfig & {
      honor_labels: boolean;
      file_sd_configs: { files: string[] }[];
    };
    assert.equal(job.honor_labels, true);
    assert.deepEqual(job.file_sd_configs[0]?.files, ['../../.data/local/prometheus-targets.json']);
  });
});
