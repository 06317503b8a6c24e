// kafkajs 2.2.4 re-arms a 0-1 ms timer forever once a connection has sent a request (tulios/kafkajs#1556):
// an idle producer or consumer woke its event loop about a thousand times a second. The pnpm patch in
// patches/kafkajs@2.2.4.patch stops it; this counts the timers kafkajs's request queue arms while idle.
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { after, before, describe, it } from 'node:test';
import { startTestBroker, type TestBroker } from './support/broker.ts';

describe('an idle kafkajs connection', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await startTestBroker();
  });
  after(async () => {
    await broker.dispose();
  });

  it('arms no request-queue timers while nothing is pending', async () => {
    const producer = broker.kafka('idle-test').producer();
    await producer.connect();
    await producer.send({ topic: 'idle.test', messages: [{ value: 'one' }] });
    let armed = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'Timeout' && new Error().stack?.includes('requestQueue')) armed++;
      },
    });
    hook.enable();
    try {
      // Half a second of idleness: the unpatched queue armed hundreds of timers in it.
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      hook.disable();
      await producer.disconnect();
    }
    assert.ok(armed <= 2, `${armed} request-queue timers armed while idle`);
  });
});
