import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { skipUnlessBinary, waitFor } from '@rebound/testing';
import type { RunningBroker } from '../../src/index.ts';
import { client, FAST_CONSUMER, testBroker, uniqueName } from '../support/broker.ts';
import { encodeBatch, frame, produceRequest, produceResult, WireConnection } from '../support/wire.ts';

const run = promisify(execFile);
const skip = skipUnlessBinary('kcat', 'kcat');

/** Runs kcat with stdin, bounded in time. */
function kcat(args: string[], input = ''): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('close', (code) => resolve({ stdout, stderr, code }));
    child.stdin.end(input);
  });
}

describe('kcat (librdkafka)', { skip, timeout: 120_000 }, () => {
  let broker: RunningBroker & { lines: string[] };
  before(async () => {
    broker = await testBroker();
  });
  after(() => broker.close());

  it('-L lists the broker as controller and the topics', async () => {
    const topic = uniqueName('kcat-meta');
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
    await admin.disconnect();
    const { stdout } = await run('kcat', ['-b', broker.bootstrap, '-L'], { timeout: 20_000 });
    assert.match(stdout, new RegExp(`broker 1 at ${broker.bootstrap} \\(controller\\)`));
    assert.match(stdout, new RegExp(`topic "${topic}" with 2 partitions`));
  });

  it('-P produces and -C consumes; kafkajs reads what kcat wrote and kcat reads what kafkajs wrote', async () => {
    const topic = uniqueName('kcat-pc');
    const produced = await kcat(
      ['-b', broker.bootstrap, '-P', '-t', topic, '-K:'],
      'a:one\nb:two\nc:three\n',
    );
    assert.equal(produced.code, 0, produced.stderr);
    const kafka = client(broker.bootstrap);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'd', value: 'four' }] });
    await producer.disconnect();
    const consumed = await kcat([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      topic,
      '-o',
      'beginning',
      '-e',
      '-f',
      '%k=%s\n',
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['a=one', 'b=two', 'c=three', 'd=four']);
    const consumer = kafka.consumer({ groupId: uniqueName('g'), ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got: string[] = [];
    await consumer.run({
      eachMessage: async ({ message }) => void got.push(`${message.key}=${message.value}`),
    });
    await waitFor(() => got.length === 4, { description: 'kafkajs reads kcat records' });
    assert.deepEqual(got.slice(0, 3), ['a=one', 'b=two', 'c=three']);
    await consumer.disconnect();
  });

  it('-G consumes as a balanced group member and commits its offsets', async () => {
    const topic = uniqueName('kcat-group');
    const group = uniqueName('kcat-g');
    assert.equal((await kcat(['-b', broker.bootstrap, '-P', '-t', topic], 'x\ny\n')).code, 0);
    const consumed = await kcat([
      '-b',
      broker.bootstrap,
      '-G',
      group,
      '-o',
      'beginning',
      '-e',
      '-X',
      'enable.auto.commit=true',
      '-X',
      'auto.commit.interval.ms=100',
      topic,
    ]);
    assert.equal(consumed.code, 0, consumed.stderr);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['x', 'y']);
    assert.match(consumed.stderr, /assigned: .*\[0\]/);
    const offsets = broker.context.groups.committed(group).get(topic)?.get(0);
    assert.equal(offsets?.offset, 2);
    assert.equal(broker.context.groups.groups.get(group)?.state, 'Empty');
  });

  it('-z gzip / snappy / lz4 / zstd: compressed batches pass validation and read back whole', async () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const topic = uniqueName(`kcat-${codec}`);
      const lines = Array.from({ length: 500 }, (_, i) => `record ${i} of a compressible batch`);
      const produced = await kcat(
        ['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec, '-X', 'linger.ms=50'],
        `${lines.join('\n')}\n`,
      );
      assert.equal(produced.code, 0, produced.stderr);
      const consumed = await kcat(['-b', broker.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      assert.deepEqual(consumed.stdout.trim().split('\n'), lines, codec);
    }
    assert.ok(!broker.lines.some((l) => l.startsWith('rejected a batch')), 'no batch rejected');
  });

  it('-o s@<time> starts at the first record at or after the time, inside a batch (ListOffsets v2)', async () => {
    const topic = uniqueName('kcat-times');
    const T = 1_760_000_000_000;
    const wire = await WireConnection.open(broker.port);
    const records = Array.from({ length: 5 }, (_, i) => ({ value: `r${i}`, timestampDelta: i * 1000 }));
    await wire.call(frame(3, 4, 1, (w) => w.array([topic], (w, t) => w.string(t)).boolean(true)));
    const reply = produceResult(
      await wire.call(produceRequest(topic, 0, encodeBatch(records, { baseTimestamp: T }))),
    );
    wire.close();
    assert.equal(reply.errorCode, 0);
    const consumed = await kcat([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      topic,
      '-o',
      `s@${T + 2500}`,
      '-e',
      '-q',
    ]);
    assert.deepEqual(consumed.stdout.trim().split('\n'), ['r3', 'r4']);
  });
});
