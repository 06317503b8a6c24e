#!/usr/bin/env node
// pnpm footprint: starts the whole platform under the supervisor (a free data dir, base port 17400 unless
// --base-port says otherwise), waits until everything is ready, prints the PSS of every replica (its whole
// process group), the supervisor and the total, with the bars, then stops it all.
// Exit 0 when the bars are met, 1 when one is missed, 2 when the platform did not come up.
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICE_NODE_OPTIONS } from './platform.topology.ts';
import { groupFootprint, pssOf } from './pss.reader.ts';
import { fetchStatus } from './status.client.ts';
import type { StatusReport } from './status.types.ts';

/** The bars: the whole platform, and each Node service process. */
const PLATFORM_BAR_MB = 1200;
const SERVICE_BAR_MB = 100;
const SERVICES = new Set(['catalog', 'inventory', 'payments', 'orders', 'notifications', 'gateway']);
/**
 * Listed apart, with their own subtotal: the operations tools around the platform (Prometheus and Alertmanager
 * when installed; the alert webhook receiver, the remediation controller and the console's heal-view backend),
 * as the OpenTelemetry demo's and Online Boutique's figures leave out their observability stacks.
 */
const TOOLING = new Set(['prometheus', 'alertmanager', 'alert-receiver', 'remediation', 'heal']);
const READY_TIMEOUT_MS = 180_000;

const { values } = parseArgs({ options: { 'base-port': { type: 'string', default: '17400' } } });
const mb = (bytes: number) => bytes / 1024 / 1024;
const say = (line: string) => process.stdout.write(`${line}\n`);

const dataDir = await mkdtemp(join(tmpdir(), 'rebound-footprint-'));
await chmod(dataDir, 0o755); // run as root, postgres-0's server user must reach its data
const cli = join(import.meta.dirname, 'cli.ts');
const started = performance.now();
const supervisor = spawn(
  process.execPath,
  [
    ...SERVICE_NODE_OPTIONS,
    '--conditions=development',
    cli,
    'up',
    '--base-port',
    values['base-port'],
    '--data-dir',
    dataDir,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
);
let log = '';
supervisor.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
supervisor.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
const exited = new Promise<number | null>((resolve) => supervisor.once('exit', resolve));

async function waitReady(): Promise<StatusReport> {
  const stateFile = join(dataDir, 'local', 'supervisor.json');
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (supervisor.exitCode !== null) throw new Error(`the supervisor exited (${supervisor.exitCode})`);
    const report = await fetchStatus(stateFile).catch(() => undefined);
    if (report?.allReady) return report;
    if (performance.now() > deadline) throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

let code = 0;
try {
  const report = await waitReady();
  say(
    `platform ready in ${((performance.now() - started) / 1000).toFixed(1)} s (supervisor start to all ready)`,
  );
  const rows = report.rows.filter((row) => row.pid !== undefined);
  const measured = rows.map((row) => ({ row, ...groupFootprint(row.pid!) }));
  const own = { pss: pssOf(supervisor.pid!) ?? 0, processes: 1 };
  const line = (name: string, pss: number, processes: number, note = '') =>
    say(`${name.padEnd(18)} ${mb(pss).toFixed(1).padStart(8)} ${String(processes).padStart(6)}  ${note}`);
  say(`${'PROCESS'.padEnd(18)} ${'PSS MB'.padStart(8)} ${'PROCS'.padStart(6)}`);
  line('supervisor', own.pss, 1, 'infra/local');
  const platform = measured.filter(({ row }) => !TOOLING.has(row.process));
  for (const { row, pss, processes } of platform) {
    const over = SERVICES.has(row.process) && mb(pss) > SERVICE_BAR_MB;
    line(row.name, pss, processes, over ? `over the ${SERVICE_BAR_MB} MB bar` : '');
  }
  const total = own.pss + platform.reduce((sum, { pss }) => sum + pss, 0);
  const processes = 1 + platform.reduce((sum, entry) => sum + entry.processes, 0);
  line(
    'TOTAL',
    total,
    processes,
    `bar ≤ ${PLATFORM_BAR_MB} MB: ${mb(total) <= PLATFORM_BAR_MB ? 'met' : 'MISSED'}`,
  );
  const services = platform.filter(({ row }) => SERVICES.has(row.process));
  const largest = services.reduce((max, entry) => (entry.pss > max.pss ? entry : max), services[0]!);
  const serviceBarMet = services.every(({ pss }) => mb(pss) <= SERVICE_BAR_MB);
  say(
    `largest Node service: ${largest.row.name} ${mb(largest.pss).toFixed(1)} MB ` +
      `(bar ≤ ${SERVICE_BAR_MB} MB each: ${serviceBarMet ? 'met' : 'MISSED'})`,
  );
  const tooling = measured.filter(({ row }) => TOOLING.has(row.process));
  if (tooling.length > 0) {
    say('apart (operations tooling: monitoring, alert receiver, remediation, heal view):');
    for (const { row, pss, processes: count } of tooling) line(row.name, pss, count);
    const toolingPss = tooling.reduce((sum, { pss }) => sum + pss, 0);
    line(
      'TOOLING',
      toolingPss,
      tooling.reduce((sum, entry) => sum + entry.processes, 0),
    );
    line(
      'EVERYTHING',
      total + toolingPss,
      processes + tooling.reduce((sum, entry) => sum + entry.processes, 0),
    );
  }
  if (mb(total) > PLATFORM_BAR_MB || !serviceBarMet) code = 1;
} catch (error) {
  process.stderr.write(`footprint: ${(error as Error).message}\n--- supervisor output ---\n${log}`);
  code = 2;
} finally {
  if (supervisor.exitCode === null) supervisor.kill('SIGINT');
  const stopped = await exited;
  if (stopped !== 0 && code === 0) {
    process.stderr.write(`footprint: the supervisor stopped with ${stopped}\n${log}`);
    code = 2;
  }
  await rm(dataDir, { recursive: true, force: true });
}
process.exitCode = code;
