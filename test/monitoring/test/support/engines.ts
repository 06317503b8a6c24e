import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '@rebound/testing';
import { parse, stringify } from 'yaml';
import { ALERTMANAGER_DIR, RULES_DIR } from '../../src/repo.paths.ts';
import { ruleFileText } from '../../src/rule-file.format.ts';
import { sloRuleGroups } from '../../src/slo.rules.ts';
import type { Target } from './shop.ts';

export interface Engine {
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

async function startEngine(binary: string, args: string[], url: string, ready: string): Promise<Engine> {
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
  const exited = once(child, 'exit');
  const engine: Engine = {
    url,
    output: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${binary} exited: ${log}`);
        const response = await fetch(`${url}${ready}`);
        await response.arrayBuffer();
        return response.ok;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `${binary} ready` },
    );
  } catch (error) {
    await engine.stop();
    throw error;
  }
  return engine;
}

/**
 * The SLO windows divided by this in the end-to-end test: 1h becomes 60 s, 5m 5 s, the page `for: 2m` 2 s.
 * Same generator, same expressions and burn factors as the production file; only time is compressed.
 */
export const E2E_WINDOW_SCALE = 60;

/**
 * Real Prometheus on a free port: scrapes `targets` every second with the labels of the local config,
 * evaluates every second the production recording and symptom rule files (unchanged) plus the SLO rules
 * generated with windows divided by {@link E2E_WINDOW_SCALE}, and sends alerts to `alertmanagerUrl`.
 */
export async function startPrometheus(
  dir: string,
  targets: () => Target[],
  alertmanagerUrl: string,
): Promise<Engine> {
  const port = await freePort();
  const sloFile = join(dir, 'slo.e2e.rules.yml');
  writeFileSync(sloFile, ruleFileText(sloRuleGroups({ windowScale: E2E_WINDOW_SCALE }), '# e2e variant\n'));
  const jobs = new Map<string, Target[]>();
  for (const t of targets()) jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
    rule_files: [`${RULES_DIR}/recording.rules.yml`, `${RULES_DIR}/symptoms.rules.yml`, sloFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanagerUrl).host] }] }] },
    scrape_configs: [...jobs].map(([job, list]) => ({
      job_name: job,
      honor_labels: job === 'rebound-supervisor',
      static_configs: list.map((t) => ({
        targets: [t.address],
        labels: job === 'rebound-supervisor' ? {} : { service: t.service, instance: t.instance },
      })),
    })),
  };
  const file = join(dir, 'prometheus.e2e.yml');
  writeFileSync(file, stringify(config));
  return startEngine(
    'prometheus',
    [
      `--config.file=${file}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}

/**
 * Real Alertmanager on a free port with the production routes, receivers and inhibition rules; only the
 * webhook address and the grouping timers (seconds instead of minutes) differ.
 */
export async function startAlertmanager(dir: string, webhookUrl: string): Promise<Engine> {
  const port = await freePort();
  const cluster = await freePort();
  const config = parse(readFileSync(`${ALERTMANAGER_DIR}/alertmanager.yml`, 'utf8')) as {
    route: Record<string, unknown> & { routes: Record<string, unknown>[] };
    receivers: { webhook_configs: { url: string }[] }[];
  };
  for (const route of [config.route, ...config.route.routes]) {
    if ('group_wait' in route) route.group_wait = '1s';
    if ('group_interval' in route) route.group_interval = '2s';
  }
  for (const receiver of config.receivers) {
    for (const webhook of receiver.webhook_configs)
      webhook.url = webhook.url.replace('http://127.0.0.1:7500', webhookUrl);
  }
  const file = join(dir, 'alertmanager.e2e.yml');
  writeFileSync(file, stringify(config));
  // Debian installs Alertmanager as prometheus-alertmanager.
  return startEngine(
    'prometheus-alertmanager',
    [
      `--config.file=${file}`,
      `--storage.path=${join(dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--cluster.listen-address=127.0.0.1:${cluster}`,
      '--log.level=warn',
    ],
    `http://127.0.0.1:${port}`,
    '/-/ready',
  );
}

export interface ActiveAlert {
  readonly labels: Record<string, string>;
  readonly state: 'pending' | 'firing';
}

/** Prometheus's pending and firing alerts. */
export async function prometheusAlerts(prometheus: Engine): Promise<ActiveAlert[]> {
  const response = await fetch(`${prometheus.url}/api/v1/alerts`);
  const body = (await response.json()) as { data: { alerts: ActiveAlert[] } };
  return body.data.alerts;
}
