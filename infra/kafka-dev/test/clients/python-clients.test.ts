import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '@rebound/testing';
import { client, tempDir, uniqueName } from '../support/broker.ts';
import { BrokerProcess } from '../support/broker-process.ts';
import { runPython, skipUnlessPythonModule } from '../support/python.ts';

interface Consumed {
  records: { offset: number; key: string; value: string; headers: [string, string][] }[];
}
interface GroupRun {
  alone: number[];
  split: number[][];
}

/**
 * The same scenarios through two more independent clients, each a Python script run by Debian's interpreter:
 * kafka-python (its own protocol code) and confluent-kafka (librdkafka). The broker is a child process on a
 * data directory, so "resume after restart" restarts it for real.
 */
for (const [name, script, module, debianPackage] of [
  ['kafka-python', 'kafka_python_client.py', 'kafka', 'python3-kafka'],
  ['confluent-kafka (librdkafka)', 'confluent_client.py', 'confluent_kafka', 'python3-confluent-kafka'],
] as const) {
  describe(name, { skip: skipUnlessPythonModule(module, debianPackage), timeout: 180_000 }, () => {
    using dir = tempDir();
    let broker: BrokerProcess;
    let bootstrap: string;
    const py = <T>(...args: string[]) => runPython<T>(script, [bootstrap, ...args]);

    before(async () => {
      const port = await freePort();
      bootstrap = `127.0.0.1:${port}`;
      broker = new BrokerProcess(['--port', String(port), '--data-dir', dir.path, '--metrics-port', 'off']);
      await broker.start();
    });
    after(() => broker.stop('SIGTERM'));

    it('produces and consumes keys, values and headers; commits, and resumes after a broker restart', async () => {
      const topic = uniqueName('py-roundtrip');
      await py('produce', topic, '4');
      const first = await py<Consumed>('consume', topic, 'py-resume', '4');
      assert.deepEqual(
        first.records.map((r) => [r.key, r.value, r.headers]).sort(),
        [0, 1, 2, 3].map((i) => [`k${i}`, `v${i}`, [['h', `x${i}`]]]),
      );
      await broker.stop('SIGTERM');
      await broker.start();
      await py('produce', topic, '2', '4');
      const second = await py<Consumed>('consume', topic, 'py-resume', '2');
      assert.deepEqual(
        second.records.map((r) => [r.offset, r.value]),
        [
          [4, 'v4'],
          [5, 'v5'],
        ],
        'resumes at the committed offset: only the records produced after the restart',
      );
    });

    it('a consumer group of two: one member takes both partitions, a second joins and they split them', async () => {
      const topic = uniqueName('py-group');
      const admin = client(bootstrap).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
      await admin.disconnect();
      const run = await py<GroupRun>('group', topic, uniqueName('py-members'));
      assert.deepEqual(run.alone, [0, 1]);
      assert.deepEqual(
        run.split.map((p) => p.length),
        [1, 1],
      );
      assert.deepEqual([...run.split[0]!, ...run.split[1]!].sort(), [0, 1]);
    });

    it('admin: create with configs, list, describe and alter configs, add partitions, delete', async () => {
      const result = await py<Record<string, unknown>>('admin', uniqueName('py-admin'));
      assert.equal(result.listed, true);
      assert.equal(result.retention, '3600000');
      assert.equal(result.altered, '7200000');
      assert.equal(result.partitions, 3);
      assert.equal(result.deleted, true);
      if ('invalidConfig' in result) assert.match(String(result.invalidConfig), /INVALID_CONFIG/);
    });

    if (script === 'kafka_python_client.py') {
      it("survives kafka-python's version probe (ApiVersions v0 + Metadata v0 pipelined) 10 times out of 10", async () => {
        const { versions } = await py<{ versions: number[][] }>('probe', '10');
        assert.equal(versions.length, 10);
        assert.ok(versions.every((v) => v.join('.') === versions[0]!.join('.')));
      });

      it('offsets_for_times finds the record at or after the time inside one batch', async () => {
        const base = 1_760_000_000_000;
        const found = await py<{ offset: number; timestamp: number; late: unknown }>(
          'times',
          uniqueName('py-times'),
          String(base),
        );
        assert.deepEqual(found, { offset: 3, timestamp: base + 3000, late: null });
      });
    } else {
      it('offsets_for_times finds the record at or after the time inside one batch', async () => {
        const base = 1_760_000_000_000;
        const found = await py<{ offset: number; timestamp: number; value: string; lateOffset: number }>(
          'times',
          uniqueName('py-times'),
          String(base),
        );
        assert.deepEqual(found, { offset: 3, timestamp: base + 3000, value: 'v3', lateOffset: -1 });
      });
    }
  });
}
