import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PartitionLog } from '../../src/log/partition.log.ts';
import { crc32c } from '../../src/protocol/crc32c.checksum.ts';
import { tempDir } from '../support/broker.ts';

function batch(records: number, timestamp: number, payload = 100): Buffer {
  const b = Buffer.alloc(61 + payload);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt8(2, 16);
  b.writeInt32BE(records - 1, 23);
  b.writeBigInt64BE(BigInt(timestamp), 27);
  b.writeBigInt64BE(BigInt(timestamp), 35);
  b.writeBigInt64BE(-1n, 43);
  b.writeInt16BE(-1, 51);
  b.writeInt32BE(-1, 53);
  b.writeInt32BE(records, 57);
  b.writeUInt32BE(crc32c(b, 21), 17);
  return b;
}

const CONFIG = { segmentBytes: 1000, retentionMs: -1, retentionBytes: -1 };

describe('PartitionLog', () => {
  it('assigns dense offsets, rolls segments and recovers the index from disk', () => {
    using dir = tempDir();
    const log = new PartitionLog(dir.path, CONFIG);
    for (let i = 0; i < 20; i++) assert.equal(log.append(batch(3, 1000 + i), 0).baseOffset, i * 3);
    assert.ok(readdirSync(dir.path).length > 1, 'rolled into several segments');
    log.close();
    const reopened = new PartitionLog(dir.path, CONFIG);
    assert.equal(reopened.highWatermark, 60);
    const [found] = reopened.read(31, 1);
    assert.equal(found?.readBigInt64BE(0), 30n, 'the batch holding offset 31 starts at 30');
    assert.deepEqual(reopened.offsetForTimestamp(1010), { offset: 30, timestamp: 1010 });
    reopened.close();
  });

  it('cuts a torn tail left by a crash (partial batch, corrupt CRC) and keeps every whole batch', () => {
    using dir = tempDir();
    const log = new PartitionLog(dir.path, { ...CONFIG, segmentBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) log.append(batch(1, 1000), 0);
    log.close();
    const file = join(dir.path, readdirSync(dir.path)[0]!);
    const whole = statSync(file).size;
    appendFileSync(file, batch(1, 1000).subarray(0, 40));
    const recovered = new PartitionLog(dir.path, CONFIG);
    assert.equal(recovered.highWatermark, 5);
    assert.equal(statSync(file).size, whole);
    recovered.close();
    // a whole-length batch with a bad CRC is cut as well
    const bad = batch(1, 1000);
    bad[100]! ^= 0xff;
    appendFileSync(file, bad);
    truncateSync(file, whole + bad.length);
    const again = new PartitionLog(dir.path, CONFIG);
    assert.equal(again.highWatermark, 5);
    assert.equal(again.append(batch(1, 1000), 0).baseOffset, 5);
    again.close();
  });

  it('retention by size and by time deletes whole old segments and moves the log start', () => {
    const bySize = new PartitionLog(null, { segmentBytes: 500, retentionMs: -1, retentionBytes: 1200 });
    for (let i = 0; i < 20; i++) bySize.append(batch(1, 1000), 0);
    assert.ok(bySize.applyRetention(0) > 0);
    assert.ok(bySize.sizeBytes <= 1200 + 500);
    assert.ok(bySize.logStartOffset > 0);
    assert.equal(bySize.highWatermark, 20);
    const byTime = new PartitionLog(null, { segmentBytes: 500, retentionMs: 60_000, retentionBytes: -1 });
    for (let i = 0; i < 10; i++) byTime.append(batch(1, 1_000 + i * 10_000), 0);
    // segments hold 3 batches; at t=85 s only the first segment (newest record at 21 s) is older than 60 s
    assert.equal(byTime.applyRetention(85_000), 1);
    assert.equal(byTime.logStartOffset, 3);
    assert.equal(byTime.applyRetention(200_000), 2);
    assert.equal(byTime.logStartOffset, 9, 'the active segment always stays');
    assert.equal(byTime.read(9, 1).length, 1);
  });
});
