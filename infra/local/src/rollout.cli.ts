#!/usr/bin/env node
// `pnpm rollout <entry> --to <version>`: asks the running supervisor for a rollout and follows it to its end.
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { controlToken, type SupervisorFile } from './control.server.ts';
import type { RolloutRecord } from './rollout.store.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export const ROLLOUT_USAGE = `Usage: pnpm rollout <entry> --to <version> [flags]
       pnpm rollout --status | --rollback [<entry>]

Replaces the entry's replicas one at a time (surge 1, unavailable 0), each new one gated by readiness and by an
analysis window against the old ones (error ratio, p99, memory); a failed step rolls back by itself.

  --to <version>            the version's name (a label of this build; REBOUND_VERSION)
  --behaviour <profile>     a bad-behaviour profile: error-ratio=R, latency-ms=N, crash-after-ms=N,
                            leak-mb-per-s=N, never-ready (comma-separated; REBOUND_BEHAVIOUR)
  --window-ms <ms>          analysis window per new replica (default 30000)
  --interval-ms <ms>        scrape interval within it (default 2000)
  --min-requests <n>        calls a new replica must serve before it is judged (default 20)
  --progress-deadline-ms <ms>  readiness bound per new replica (default 60000)
  --no-wait                 return once started instead of following it
  --status                  print the rollouts (JSON) and exit
  --rollback                roll back the rollout under way, or undo the last completed one
  --data-dir <dir>          where supervisor.json lives (default .data)`;

function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  return new Promise((resolveCall, reject) => {
    const req = request(
      url,
      {
        method,
        agent: false,
        timeout: 5000,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${controlToken()}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          try {
            resolveCall({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            reject(new Error(`${method} ${url}: HTTP ${res.statusCode}, not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within 5 s`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      behaviour: { type: 'string' },
      'window-ms': { type: 'string' },
      'interval-ms': { type: 'string' },
      'min-requests': { type: 'string' },
      'progress-deadline-ms': { type: 'string' },
      'no-wait': { type: 'boolean' },
      status: { type: 'boolean' },
      rollback: { type: 'boolean' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${ROLLOUT_USAGE}\n`);
    return 0;
  }
  const stateFile = join(
    values['data-dir'] ? resolve(values['data-dir']) : join(REPO_ROOT, '.data'),
    'local',
    'supervisor.json',
  );
  let supervisor: SupervisorFile;
  try {
    supervisor = JSON.parse(await readFile(stateFile, 'utf8')) as SupervisorFile;
  } catch {
    process.stderr.write(`no supervisor is running (no ${stateFile}); start one with 'pnpm start'\n`);
    return 1;
  }
  const base = `${supervisor.url}/rollouts`;
  if (values.status) {
    process.stdout.write(`${JSON.stringify((await call(base, 'GET')).body, null, 2)}\n`);
    return 0;
  }
  let answer: { status: number; body: unknown };
  if (values.rollback) {
    answer = await call(`${base}/rollback`, 'POST', {
      reason: 'asked on the command line',
      ...(positionals[0] ? { process: positionals[0] } : {}),
    });
  } else {
    const entry = positionals[0];
    if (!entry || !values.to) {
      process.stderr.write(`expected an entry and --to <version>\n${ROLLOUT_USAGE}\n`);
      return 2;
    }
    const number = (flag: string) => {
      const raw = values[flag as keyof typeof values];
      if (raw === undefined) return undefined;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new Error(`--${flag} expects a number >= 0, got '${raw}'`);
      return n;
    };
    const settings = {
      ...(number('window-ms') === undefined ? {} : { windowMs: number('window-ms') }),
      ...(number('interval-ms') === undefined ? {} : { intervalMs: number('interval-ms') }),
      ...(number('progress-deadline-ms') === undefined
        ? {}
        : { progressDeadlineMs: number('progress-deadline-ms') }),
      ...(number('min-requests') === undefined
        ? {}
        : { thresholds: { minRequests: number('min-requests') } }),
    };
    answer = await call(base, 'POST', {
      process: entry,
      to: values.to,
      behaviour: values.behaviour ?? '',
      settings,
    });
  }
  if (answer.status !== 202) {
    process.stderr.write(
      `refused: ${(answer.body as { error?: string }).error ?? JSON.stringify(answer.body)}\n`,
    );
    return 1;
  }
  const started = answer.body as RolloutRecord;
  process.stdout.write(`rollout #${started.id} of ${started.process} started\n`);
  if (values['no-wait']) return 0;
  let printed = 0;
  for (;;) {
    const { body } = await call(base, 'GET');
    const { active, history } = body as { active: RolloutRecord | null; history: RolloutRecord[] };
    const record = active?.id === started.id ? active : history.find((r) => r.id === started.id);
    if (!record) throw new Error(`rollout #${started.id} is gone from the supervisor`);
    for (const event of record.events.slice(printed)) process.stdout.write(`${event.at} ${event.message}\n`);
    printed = record.events.length;
    if (record.phase === 'Completed') return 0;
    if (record.phase === 'RolledBack' || record.phase === 'Failed') return 1;
    await sleep(1000);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
