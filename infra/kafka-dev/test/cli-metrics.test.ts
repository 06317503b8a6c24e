import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '@rebound/testing';
import { client, FAST_CONSUMER, testBroker, uniqueName } from './support/broker.ts';
import { BrokerProcess } from './support/broker-process.ts';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('CLI', { timeout: 60_000 }, () => {
  it('documents its flags and environment variables in --help', () => {
    const help = spawnSync(process.execPath, ['--conditions=development', CLI, '--help'], {
      encoding: 'utf8',
    });
    assert.equal(help.status, 0);
    for (const flag of ['--port', '--data-dir', '--fsync', '--metrics-port', 'KAFKA_DEV_PORT', 'SIGTERM'])
      assert.ok(help.stdout.includes(flag), flag);
  });

  it('exits non-zero with one clear line on a bad flag', () => {
    for (const args of [['--port', 'abc'], ['--fsync', 'sometimes'], ['--node-id=-3'], ['--bogus']]) {
      const run = spawnSync(process.execPath, ['--conditions=development', CLI, ...args], {
        encoding: 'utf8',
      });
      assert.equal(run.status, 2, args.join(' '));
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^kafka-dev: /);
    }
  });

  it('prints one "listening on" line, serves clients and metrics, and closes cleanly on SIGINT', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const broker = new BrokerProcess([
      '--port',
      String(port),
      '--in-memory',
      '--metrics-port',
      String(metricsPort),
    ]);
    await broker.start();
    assert.match(broker.output, new RegExp(`listening on 127\\.0\\.0\\.1:${port} `));
    const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(body, /rebound_kafka_dev_requests_total/);
    assert.equal(await broker.stop('SIGINT'), 0);
    assert.match(broker.output, /SIGINT: closing/);
  });

  it('--node-id sets the node id clients see in Metadata and FindCoordinator', async () => {
    const port = await freePort();
    const broker = new BrokerProcess([
      '--port',
      String(port),
      '--in-memory',
      '--metrics-port',
      'off',
      '--node-id',
      '7',
    ]);
    await broker.start();
    const admin = client(`127.0.0.1:${port}`).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    const [config] = (
      await admin.describeConfigs({
        resources: [{ type: 4, name: '7', configNames: ['node.id'] }],
        includeSynonyms: false,
      })
    ).resources;
    await admin.disconnect();
    assert.deepEqual([cluster.controller, cluster.brokers.map((b) => b.nodeId)], [7, [7]]);
    assert.equal(config?.configEntries[0]?.configValue, '7');
    assert.equal(await broker.stop('SIGTERM'), 0);
  });
});

describe('metrics endpoint', { timeout: 60_000 }, () => {
  it('reports requests by API, bytes, partitions, group states and consumer lag', async () => {
    const broker = await testBroker({ metricsPort: 0 });
    const kafka = client(broker.bootstrap);
    const topic = uniqueName('metrics');
    const groupId = uniqueName('metrics-group');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    const consumer = kafka.consumer({ groupId, ...FAST_CONSUMER });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        seen++;
        if (message.offset === '0') await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]);
      },
    });
    await waitFor(() => seen === 3, { description: 'consumed' });
    const scrape = async () => (await fetch(`http://127.0.0.1:${broker.metricsPort}/metrics`)).text();
    const body = await scrape();
    assert.match(body, /rebound_kafka_dev_requests_total\{api="Produce"\} [1-9]/);
    assert.match(body, /rebound_kafka_dev_requests_total\{api="JoinGroup"\} [1-9]/);
    assert.match(body, /rebound_kafka_dev_bytes_in_total [1-9]/);
    assert.match(body, /rebound_kafka_dev_bytes_out_total [1-9]/);
    assert.match(body, /rebound_kafka_dev_partitions [1-9]/);
    assert.match(body, /rebound_kafka_dev_groups\{state="Stable"\} 1/);
    assert.match(
      body,
      new RegExp(`rebound_kafka_dev_consumer_lag\\{group="${groupId}",topic="${topic}",partition="0"\\} 2`),
    );
    await consumer.disconnect();
    await producer.disconnect();
    assert.match(await scrape(), /rebound_kafka_dev_groups\{state="Empty"\} 1/);
    await broker.close();
  });
});
