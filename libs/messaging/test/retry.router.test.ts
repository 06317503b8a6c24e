import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokersFromEnv, readTraceparent, routeFailure, topicsFor } from '../src/index.ts';

describe('routeFailure', () => {
  const failed = {
    topic: 'orders.events',
    sourceTopic: 'orders.events',
    partition: 2,
    offset: '41',
    headers: { 'event-id': 'e-1', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    attempt: 1,
    reason: 'Error: boom',
  };

  it('sends a first failure to .retry.1 with a not-before one delay later and the origin recorded', () => {
    const route = routeFailure(failed, [1_000, 5_000], 10_000);
    assert.equal(route.topic, 'orders.events.retry.1');
    assert.equal(route.deadLetter, false);
    assert.equal(route.headers['x-not-before'], '11000');
    assert.equal(route.headers['x-attempt'], '2');
    assert.equal(route.headers['x-original-partition'], '2');
    assert.equal(route.headers['x-original-offset'], '41');
    assert.equal(route.headers['event-id'], 'e-1');
    assert.equal(route.headers.traceparent, failed.headers.traceparent);
  });

  it('keeps the first origin across hops and dead-letters after the last retry', () => {
    const hop = routeFailure(failed, [1_000, 5_000], 10_000);
    const second = routeFailure(
      {
        ...failed,
        sourceTopic: 'orders.events.retry.1',
        partition: 0,
        offset: '3',
        headers: hop.headers,
        attempt: 2,
      },
      [1_000, 5_000],
      20_000,
    );
    assert.equal(second.topic, 'orders.events.retry.2');
    assert.equal(second.headers['x-not-before'], '25000');
    assert.equal(second.headers['x-original-offset'], '41');
    const last = routeFailure(
      {
        ...failed,
        sourceTopic: 'orders.events.retry.2',
        headers: second.headers,
        attempt: 3,
        reason: 'x'.repeat(5000),
      },
      [1_000, 5_000],
      30_000,
    );
    assert.equal(last.topic, 'orders.events.dlq');
    assert.equal(last.deadLetter, true);
    assert.equal(last.headers['x-attempt'], '3');
    assert.equal(last.headers['x-not-before'], undefined);
    assert.equal(last.headers['x-original-topic'], 'orders.events');
    assert.equal(last.headers['x-failure-reason']!.length, 1000);
  });

  it('dead-letters at once when no retries are configured', () => {
    assert.equal(routeFailure(failed, [], 0).topic, 'orders.events.dlq');
    assert.deepEqual(topicsFor('t', 2), { consumed: ['t', 't.retry.1', 't.retry.2'], deadLetter: 't.dlq' });
  });
});

describe('headers and config', () => {
  it('accepts only well-formed traceparent values', () => {
    assert.equal(readTraceparent({ traceparent: 'garbage' }), undefined);
    const ok = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    assert.equal(readTraceparent({ traceparent: ok }), ok);
  });

  it('reads KAFKA_BROKERS as the only difference between the dev broker and Kafka', () => {
    assert.deepEqual(brokersFromEnv({ KAFKA_BROKERS: 'a:9092, b:9093,' }), ['a:9092', 'b:9093']);
    assert.deepEqual(brokersFromEnv({}), ['127.0.0.1:9092']);
    assert.throws(() => brokersFromEnv({ KAFKA_BROKERS: ' , ' }), /KAFKA_BROKERS is empty/);
  });
});
