import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '@rebound/resilience/testing';
import { waitFor } from '@rebound/testing';
import type { RunningBroker } from '../../src/index.ts';
import type { Writer } from '../../src/protocol/response.writer.ts';
import { client, testBroker } from '../support/broker.ts';
import { encodeBatch, frame, produceRequest, produceResult, WireConnection } from '../support/wire.ts';

/** A Fetch request of any version 4–11 for partition 0 of `topic`. */
function fetchFrame(
  version: number,
  topic: string,
  offset: number,
  minBytes: number,
  maxWaitMs: number,
): Buffer {
  return frame(1, version, 9, (w: Writer) => {
    w.int32(-1)
      .int32(maxWaitMs)
      .int32(minBytes)
      .int32(1 << 20)
      .int8(0);
    if (version >= 7) w.int32(0).int32(-1);
    w.array([topic], (w, t) =>
      w.string(t).array([0], (w, p) => {
        w.int32(p);
        if (version >= 9) w.int32(-1);
        w.int64(offset);
        if (version >= 5) w.int64(-1);
        w.int32(1 << 20);
      }),
    );
    if (version >= 7) w.array([], (w) => w);
    if (version >= 11) w.string('');
  });
}

describe('Fetch min_bytes', { timeout: 30_000 }, () => {
  const clock = new FakeClock(1_700_000_000_000);
  let broker: RunningBroker;
  before(async () => {
    broker = await testBroker({ clock });
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'empty', numPartitions: 1 }] });
    await admin.disconnect();
  });
  after(() => broker.close());

  for (const version of [4, 5, 6, 7, 8, 9, 10, 11]) {
    it(`v${version}: min_bytes 0 answers at once; min_bytes 1 waits for max_wait on the broker's clock`, async () => {
      const wire = await WireConnection.open(broker.port);
      // the clock never moves here: an answer can only come from not waiting at all
      const answer = await wire.call(fetchFrame(version, 'empty', 0, 0, 60_000));
      assert.equal(answer.readInt32BE(0), 0, 'throttle_time_ms');
      wire.write(fetchFrame(version, 'empty', 0, 1, 60_000));
      await waitFor(() => broker.connections().some((c) => c.inFlight === 1), {
        description: 'fetch parked',
      });
      assert.equal(wire.frames.length, 1, 'min_bytes 1 with no data is parked');
      clock.advance(60_000);
      await wire.until(2);
      assert.equal(wire.frames.length, 2);
      wire.close();
    });
  }
});

describe('ListOffsets by timestamp', () => {
  const T = 1_760_000_000_000;
  let broker: RunningBroker;
  before(async () => {
    broker = await testBroker();
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'times', numPartitions: 1 }] });
    await admin.disconnect();
    // one batch of five records stamped T, T+1000, ..., T+4000, after a batch of two older ones
    const wire = await WireConnection.open(broker.port);
    const older = encodeBatch([{}, {}], { baseTimestamp: T - 10_000 });
    assert.equal(produceResult(await wire.call(produceRequest('times', 0, older))).errorCode, 0);
    const records = Array.from({ length: 5 }, (_, i) => ({ value: `r${i}`, timestampDelta: i * 1000 }));
    assert.equal(
      produceResult(await wire.call(produceRequest('times', 0, encodeBatch(records, { baseTimestamp: T }))))
        .errorCode,
      0,
    );
    wire.close();
  });
  after(() => broker.close());

  const listOffsets = async (version: number, timestamp: number) => {
    const wire = await WireConnection.open(broker.port);
    const body = await wire.call(
      frame(2, version, 3, (w) => {
        w.int32(-1);
        if (version >= 2) w.int8(0);
        w.array(['times'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(timestamp)));
      }),
    );
    wire.close();
    let at = version >= 2 ? 4 : 0;
    at += 4 + 2 + body.readInt16BE(at + 4) + 4 + 4;
    return {
      errorCode: body.readInt16BE(at),
      timestamp: Number(body.readBigInt64BE(at + 2)),
      offset: Number(body.readBigInt64BE(at + 10)),
    };
  };

  for (const version of [1, 2, 3]) {
    it(`v${version} answers the first record at or after the time, inside a batch`, async () => {
      assert.deepEqual(await listOffsets(version, T + 2500), {
        errorCode: 0,
        timestamp: T + 3000,
        offset: 5,
      });
      assert.deepEqual(await listOffsets(version, T + 3000), {
        errorCode: 0,
        timestamp: T + 3000,
        offset: 5,
      });
      assert.deepEqual(await listOffsets(version, T), { errorCode: 0, timestamp: T, offset: 2 });
      assert.deepEqual(await listOffsets(version, T - 10_000), {
        errorCode: 0,
        timestamp: T - 10_000,
        offset: 0,
      });
      assert.deepEqual(await listOffsets(version, T + 4001), { errorCode: 0, timestamp: -1, offset: -1 });
    });
  }

  it('kafkajs admin.fetchTopicOffsetsByTimestamp sees the same offset', async () => {
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsetsByTimestamp('times', T + 2500);
    await admin.disconnect();
    assert.deepEqual(offsets, [{ partition: 0, offset: '5' }]);
  });
});
