// The replicated PostgreSQL of infra/local (primary + synchronous standby, read-write endpoint, failover in the
// supervisor) under checkout load: SIGKILL of the primary, then a freeze (SIGSTOP past the deadline, SIGCONT).
// Bars (issue 15, measured as CloudNativePG's e2e test does, from durable rows): writes resume within 10 s of the
// last row committed on the old primary, no acknowledged order or row is lost, the books balance.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@rebound/testing';
import pg from 'pg';
import { account, baseline, placeOrders, report, settleKeys } from './accounting.ts';
import { type Heartbeat, startHeartbeat, writesResumeMs } from './heartbeat.ts';
import { type Platform, setProcessor, startPlatform } from './platform.ts';
import { type ReplicatedPostgres, startReplicatedPostgres } from './replicated-postgres.ts';

const WRITES_RESUME_BAR_MS = 10_000;

describe('chaos: the replicated PostgreSQL fails over under checkout load', () => {
  let dir: string;
  let postgres: ReplicatedPostgres;
  let platform: Platform;
  let heartbeat: Heartbeat;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rebound-failover-'));
    postgres = await startReplicatedPostgres(dir);
    platform = await startPlatform(dir, (service) => {
      const url = postgres.urls[service];
      return url ? { [`${service.toUpperCase()}_DATABASE_URL`]: url } : {};
    });
    heartbeat = await startHeartbeat(postgres.urls.orders as string);
  });

  after(async () => {
    await heartbeat?.stop();
    await platform?.close();
    await postgres?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A failure carries what the instances, the controller and orders said, to tell why. */
  const explained = (test: () => Promise<void>) => async () => {
    try {
      await test();
    } catch (error) {
      const tail = (text: string) => text.split('\n').slice(-400).join('\n');
      (error as Error).message +=
        `\n--- postgres and failover ---\n${tail(postgres.lines.filter((l) => !/cannot be changed|contains errors/.test(l)).join('\n'))}` +
        `\n--- orders ---\n${tail(platform.orders.output())}`;
      throw error;
    }
  };

  /** Waits until the lost primary is back as the synchronous standby of the new one. */
  const healed = (standby: string) =>
    waitFor(() => postgres.cluster.failover.state.synchronousStandby === standby, {
      timeoutMs: 120_000,
      description: `${standby} rebuilt as the synchronous standby`,
    });

  it(
    'SIGKILL of the primary: the standby is promoted, writes resume within 10 s, nothing acknowledged is lost',
    explained(async () => {
      const { failover } = postgres.cluster;
      const oldPrimary = failover.state.primary;
      const newPrimary = failover.state.synchronousStandby as string;
      const before = await baseline(platform);
      await setProcessor(platform.payments, { latencyMs: 100 });
      const load = placeOrders(platform, 'failover-kill', 60, 4);
      await waitFor(() => load.attempted() >= 15, { timeoutMs: 60_000, description: '15 orders submitted' });
      process.kill(-postgres.groupOf(oldPrimary), 'SIGKILL');
      await waitFor(
        () => failover.state.primary === newPrimary && postgres.cluster.endpoint.target?.name === newPrimary,
        {
          timeoutMs: 30_000,
          description: `${newPrimary} promoted`,
        },
      );
      await load.done;
      await setProcessor(platform.payments, { latencyMs: 0 });
      await settleKeys(platform, load);
      const summary = await account(platform, load, before, 'failover-kill');
      const { rows, acknowledged, missing } = await heartbeat.audit();
      const resumeMs = writesResumeMs(rows, postgres.portOf(oldPrimary), postgres.portOf(newPrimary));
      report('SIGKILL postgres primary', summary, {
        writesResumeMs: String(resumeMs),
        heartbeatRows: String(acknowledged),
        lostRows: String(missing.length),
      });
      assert.deepEqual(missing, [], 'every acknowledged heartbeat row is on the new primary');
      assert.ok(
        resumeMs <= WRITES_RESUME_BAR_MS,
        `writes resumed in ${resumeMs} ms (bar ${WRITES_RESUME_BAR_MS})`,
      );
      await healed(oldPrimary);
    }),
  );

  it(
    'a frozen primary (SIGSTOP past the deadline, then SIGCONT) is fenced and never takes a write again',
    explained(async () => {
      const { failover } = postgres.cluster;
      const oldPrimary = failover.state.primary;
      const newPrimary = failover.state.synchronousStandby as string;
      // The whole instance, as a paused VM or a frozen pod: its manager, the postmaster and every server process.
      const before = await baseline(platform);
      const load = placeOrders(platform, 'failover-freeze', 40, 4);
      await waitFor(() => load.attempted() >= 10, { timeoutMs: 60_000, description: '10 orders submitted' });
      const frozenAt = Date.now();
      const frozen = postgres.signal(oldPrimary, 'SIGSTOP');
      await waitFor(() => failover.state.primary === newPrimary, {
        timeoutMs: 30_000,
        description: `${newPrimary} promoted while ${oldPrimary} is frozen`,
      });
      for (const pid of frozen) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Fenced already: the frozen process was killed, there is nothing to resume.
        }
      }
      await load.done;
      await settleKeys(platform, load);
      const summary = await account(platform, load, before, 'failover-freeze');
      // The old instance, resumed, is either gone or a read-only standby: it never takes a write.
      const direct = new pg.Client({
        connectionString: postgres.urls.orders?.replace(/:\d+\//, `:${postgres.portOf(oldPrimary)}/`),
        connectionTimeoutMillis: 2_000,
      });
      direct.on('error', () => {});
      const answer = await direct.connect().then(
        async () => {
          const result = await direct.query('INSERT INTO heartbeat DEFAULT VALUES').then(
            () => 'wrote',
            (error: { code?: string }) => error.code ?? 'error',
          );
          await direct.end();
          return result;
        },
        () => 'refused',
      );
      assert.ok(answer === 'refused' || answer === '25006', `old primary after SIGCONT: ${answer}`);
      const { rows, missing } = await heartbeat.audit();
      const firstOnNew = Math.min(
        ...rows
          .filter((r) => r.port === postgres.portOf(newPrimary) && r.committedAt > frozenAt)
          .map((r) => r.committedAt),
      );
      const lateOnOld = rows.filter(
        (r) => r.port === postgres.portOf(oldPrimary) && r.committedAt > firstOnNew,
      );
      assert.equal(lateOnOld.length, 0, 'no row of the old primary committed after the new one took writes');
      assert.deepEqual(missing, [], 'every acknowledged heartbeat row kept');
      const resumeMs = writesResumeMs(rows, postgres.portOf(oldPrimary), postgres.portOf(newPrimary));
      report('SIGSTOP postgres primary', summary, {
        writesResumeMs: String(resumeMs),
        oldPrimaryAfterSigcont: answer,
      });
      assert.ok(
        resumeMs <= WRITES_RESUME_BAR_MS,
        `writes resumed in ${resumeMs} ms (bar ${WRITES_RESUME_BAR_MS})`,
      );
      await healed(oldPrimary);
    }),
  );
});
