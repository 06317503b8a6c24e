import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { FakeClock } from '@rebound/resilience/testing';
import { LoopLagMonitor, RETRY_AFTER_KEY, type ServerShedEvent } from '../src/index.ts';
import { CatalogService, type GetProductHandler, product, startReplica } from './support.ts';

type Outcome = { ok: true } | { ok: false; error: ServiceError };

/** A plain grpc-js client: no retries, no retry-after waits, so every server answer is seen as it is. */
function rawClient(address: string) {
  const client = new Client(address, credentials.createInsecure());
  const { path, requestSerialize, responseDeserialize } = CatalogService.getProduct;
  const call = (id: string, priority?: string): Promise<Outcome> => {
    const metadata = new Metadata();
    if (priority !== undefined) metadata.set('x-priority', priority);
    return new Promise((resolve) =>
      client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        { id },
        metadata,
        { deadline: Date.now() + 10_000 },
        (error) => resolve(error ? { ok: false, error } : { ok: true }),
      ),
    );
  };
  return { call, close: () => client.close() };
}

/** Spends `ms` of CPU on the event loop, as a CPU-bound handler does. */
function burn(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the work
  }
}

describe('queue-time admission', () => {
  const cleanup: (() => void)[] = [];
  after(() => {
    for (const fn of cleanup) fn();
  });

  it('sheds past the per-turn cap once calls have waited past the target for the interval, with a retry-after hint', async () => {
    const clock = new FakeClock();
    const lag = { wait: 0, turn: 1, waitedMs: () => lag.wait };
    const replica = await startReplica(undefined, {
      clock,
      loopLag: lag,
      queueAdmission: { targetMs: 20, intervalMs: 100 },
    });
    cleanup.push(() => replica.server.forceShutdown());
    const client = rawClient(replica.address);
    cleanup.push(client.close);
    const sheds: ServerShedEvent[] = [];
    replica.server.onShed((event) => sheds.push(event));

    assert.deepEqual(await client.call('a'), { ok: true });
    lag.turn = 2;
    lag.wait = 50; // calls now wait 50 ms behind the loop: congestion starts, nothing is shed yet
    assert.deepEqual(await client.call('b'), { ok: true });
    assert.deepEqual(await client.call('c'), { ok: true });
    clock.advance(100);
    lag.turn = 3; // the queue stood for the interval: the cap halves from what turn 2 admitted (2) to 1
    assert.deepEqual(await client.call('d'), { ok: true });
    const shed = await client.call('e');
    assert.equal(shed.ok, false);
    assert.ok(!shed.ok);
    assert.equal(shed.error.code, status.RESOURCE_EXHAUSTED);
    assert.match(shed.error.details, /overloaded \(queued 50 ms\), retry after 100 ms/);
    assert.deepEqual(shed.error.metadata.get(RETRY_AFTER_KEY), ['100']);
    assert.equal(replica.calls.count, 4, 'the shed call never reached the handler');
    assert.deepEqual(sheds, [
      { operation: CatalogService.getProduct.path.slice(1), priority: 'critical', reason: 'queue-time' },
    ]);
    assert.equal(replica.server.queueAdmission?.cap, 1);
    assert.equal(replica.server.overloaded, true, 'readiness sees the shedding');
    assert.deepEqual(await client.call('f', 'critical-plus'), { ok: true }, 'critical-plus passes the cap');

    lag.turn = 4;
    lag.wait = 2; // the queue is gone: the cap grows back with every turn that uses it
    assert.deepEqual(await client.call('g'), { ok: true });
    lag.turn = 5;
    assert.deepEqual(await client.call('h'), { ok: true });
    assert.deepEqual(await client.call('i'), { ok: true });
    assert.equal(replica.server.overloaded, true, 'held for a while, so readiness does not flap');
    clock.advance(1_000);
    assert.equal(replica.server.overloaded, false, 'readiness comes back once shedding stops');
  });

  it('sheds on a real socket when CPU-bound calls keep the event loop busy, and every admitted call succeeds', async () => {
    // Each handler yields once, then blocks the loop for 10 ms of CPU (as the benchmark's handler does). Waves
    // of 12 calls: the second wave waits behind the first's 120 ms, the third finds the queue standing. The
    // concurrency limit is off, so that only queue-time admission decides.
    const handler: GetProductHandler = async (request) => {
      await nextTurn();
      burn(10);
      return product(request.id);
    };
    const replica = await startReplica(handler, { limit: false, queueAdmission: {} });
    cleanup.push(() => replica.server.forceShutdown());
    const client = rawClient(replica.address);
    cleanup.push(client.close);
    let ok = 0;
    const shed: ServiceError[] = [];
    for (let wave = 0; wave < 5 && shed.length === 0; wave++) {
      const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => client.call(`${wave}-${i}`)));
      for (const outcome of outcomes) {
        if (outcome.ok) ok++;
        else shed.push(outcome.error);
      }
    }
    assert.ok(shed.length > 0, 'a standing queue behind CPU-bound work is shed');
    for (const error of shed) {
      assert.equal(error.code, status.RESOURCE_EXHAUSTED, error.details);
      assert.match(error.details, /overloaded \(queued \d+ ms\)/);
    }
    assert.equal(replica.calls.count, ok, 'every call that reached the handler succeeded');
    assert.ok((replica.server.queueAdmission?.cap ?? 1024) < 12, 'the cap came down');
    assert.equal(replica.server.overloaded, true);
  });

  it('admits a healthy burst after idle: single calls 8 s apart, then 8 at once, none shed, readiness kept', async () => {
    // The loop's CPU and idle time are faked (the real check phase marks the turns): between calls the process
    // sleeps, its timers and pollers using 5 % of a core, 400 ms of CPU per 8 s. Measured from a mark armed 8 s
    // before, that CPU read as 400 ms of queueing, and the congestion "began" at the first single call: the
    // burst met a cap of one call per turn and was shed ("overloaded (queued 400 ms)").
    const clock = new FakeClock();
    const loop = { cpu: 0, idle: 0 };
    const monitor = new LoopLagMonitor({
      cpuTime: () => loop.cpu,
      idleTime: () => loop.idle,
      schedule: (callback) => {
        setImmediate(callback);
      },
    });
    const replica = await startReplica(undefined, { clock, loopLag: monitor });
    cleanup.push(() => replica.server.forceShutdown());
    const client = rawClient(replica.address);
    cleanup.push(client.close);
    const sheds: ServerShedEvent[] = [];
    replica.server.onShed((event) => sheds.push(event));
    const idle = (ms: number) => {
      clock.advance(ms);
      loop.idle += ms * 0.95;
      loop.cpu += ms * 0.05;
    };

    for (let i = 0; i < 4; i++) {
      assert.deepEqual(await client.call(`single-${i}`), { ok: true });
      idle(8_000);
    }
    const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => client.call(`burst-${i}`)));
    const refused = burst.flatMap((outcome) => (outcome.ok ? [] : [outcome.error.details]));
    assert.deepEqual(refused, [], 'every call of the burst is served');
    assert.deepEqual(sheds, []);
    assert.equal(replica.calls.count, 12);
    assert.equal(replica.server.overloaded, false, 'readiness stays on');
  });
});
