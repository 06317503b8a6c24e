// SQL statements the platform sends to PostgreSQL, per checkout and per idle second, by database and by
// statement: counts that the machine's load does not distort, unlike CPU or wall-clock figures.
//   pnpm --filter @rebound/chaos-tests run bench:statements   (BENCH_CHECKOUTS, BENCH_CLIENTS, BENCH_IDLE_SECONDS, BENCH_TOP)
//
// Starts the whole platform, turns `log_statement = all` on at the primary (a reload, no restart), counts the
// statements logged over an idle stretch, then over BENCH_CHECKOUTS checkouts through the gateway by BENCH_CLIENTS
// closed-loop clients (1: one after the other),
// and prints per database: statements per idle second and per checkout (the idle rate taken away), and the most
// frequent statements of each phase.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { placeOrder, startPlatform } from '@rebound/e2e';
import { waitFor } from '@rebound/testing';
import pg from 'pg';

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 40);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const TOP = Number(process.env.BENCH_TOP ?? 12);
const PRODUCTS = ['p-001', 'p-002', 'p-003', 'p-004', 'p-005', 'p-006', 'p-007', 'p-008', 'p-009', 'p-010'];
/** The prefix set below: `<database>|`, then PostgreSQL's `LOG:  statement: …` or `LOG:  execute <name>: …`. */
const STATEMENT = /\[db=([^\]]*)\] LOG: {2}(?:statement|execute [^:]*): (.*)$/;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

interface Counts {
  readonly byDatabase: Map<string, number>;
  readonly byStatement: Map<string, number>;
}

/** Statements in `text`, by database and by `<database>: <statement text, parameters elided>`. */
function count(text: string): Counts {
  const byDatabase = new Map<string, number>();
  const byStatement = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = STATEMENT.exec(line);
    if (!match) continue;
    const [, database = '', sql = ''] = match;
    byDatabase.set(database, (byDatabase.get(database) ?? 0) + 1);
    const key = `${database}: ${sql.replace(/\s+/g, ' ').slice(0, 110)}`;
    byStatement.set(key, (byStatement.get(key) ?? 0) + 1);
  }
  return { byDatabase, byStatement };
}

const top = (counts: Map<string, number>, per: number) =>
  Object.fromEntries(
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP)
      .map(([key, n]) => [key, round(n / per)]),
  );

const platform = await startPlatform({
  env: { RATE_LIMIT_RPS: '1000000', RATE_LIMIT_BURST: '1000000' },
  readyTimeoutMs: 240_000,
  optional: [],
});
try {
  const primary = (await platform.status()).rows.find((row) => row.name === 'postgres-0');
  if (primary?.port === undefined) throw new Error('postgres-0 is not running');
  const password = readFileSync(join(platform.dataDir, 'postgres', 'superuser.password'), 'utf8').trim();
  const admin = new pg.Client({ host: '127.0.0.1', port: primary.port, user: 'postgres', password });
  await admin.connect();
  let accepted = 0;
  const checkout = async (i: number) => {
    const productId = PRODUCTS[i % PRODUCTS.length] as string;
    const answer = await placeOrder(platform.gatewayUrl, [{ productId, quantity: 1 }], randomUUID());
    // 202: answered PENDING before the caller's deadline (a slow, loaded box); its saga goes on all the same.
    if (answer.status === 202) accepted++;
    else if (answer.status !== 201) throw new Error(`checkout answered ${answer.status}`);
  };
  try {
    for (let i = 0; i < 20; i++) await checkout(i); // warm-up: connections, prepared statements, Kafka metadata
    await admin.query("ALTER SYSTEM SET log_line_prefix = '[db=%d] '");
    await admin.query("ALTER SYSTEM SET log_statement = 'all'");
    await admin.query('SELECT pg_reload_conf()');
    // Each phase is cut out of the supervisor's output between two marker statements of this session (logged
    // once the asynchronous reload has taken effect), so that nothing else is counted and a truncated output
    // is an error rather than a short count.
    const mark = async (): Promise<string> => {
      const marker = `statements-bench-${randomUUID()}`;
      // Sent again until logged: the first ones may run before the reload has reached this session.
      await waitFor(
        async () => {
          await admin.query(`SELECT '${marker}'`);
          await new Promise((resolve) => setTimeout(resolve, 100));
          return platform.output().includes(marker);
        },
        { timeoutMs: 30_000, intervalMs: 100, description: `the marker ${marker} in PostgreSQL's log` },
      );
      return marker;
    };
    const between = (from: string, to: string): string => {
      const output = platform.output();
      const start = output.indexOf(from);
      if (start < 0) throw new Error('the output was truncated: use fewer BENCH_CHECKOUTS');
      return output.slice(start, output.indexOf(to, start));
    };

    const idleFrom = await mark();
    const idleStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleSeconds = (performance.now() - idleStart) / 1000;
    const idle = count(between(idleFrom, await mark()));

    const busyFrom = await mark();
    const busyStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < CHECKOUTS) await checkout(next++);
      }),
    );
    const busySeconds = (performance.now() - busyStart) / 1000;
    const busy = count(between(busyFrom, await mark()));

    const databases = [...new Set([...idle.byDatabase.keys(), ...busy.byDatabase.keys()])].sort();
    const perCheckout = (database: string) =>
      ((busy.byDatabase.get(database) ?? 0) -
        ((idle.byDatabase.get(database) ?? 0) / idleSeconds) * busySeconds) /
      CHECKOUTS;
    const result = {
      idleSeconds: round(idleSeconds, 1),
      checkouts: CHECKOUTS,
      clients: CLIENTS,
      answeredPendingFirst: accepted,
      checkoutSeconds: round(busySeconds, 1),
      statementsPerIdleSecond: Object.fromEntries(
        databases.map((db) => [db, round((idle.byDatabase.get(db) ?? 0) / idleSeconds)]),
      ),
      statementsPerCheckout: Object.fromEntries(databases.map((db) => [db, round(perCheckout(db))])),
      totals: {
        perIdleSecond: round([...idle.byDatabase.values()].reduce((a, b) => a + b, 0) / idleSeconds),
        perCheckout: round(databases.reduce((sum, db) => sum + perCheckout(db), 0)),
      },
      topIdlePerSecond: top(idle.byStatement, idleSeconds),
      topBusyPerCheckout: top(busy.byStatement, CHECKOUTS),
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await admin.end();
  }
} finally {
  await platform.stop();
}
