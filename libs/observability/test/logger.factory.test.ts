import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger, runWithRequestContext } from '../src/index.ts';

function captureLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes JSON lines with the service, a level name and an ISO time', () => {
    const { stream, lines } = captureLines();
    createLogger({ service: 'gateway', destination: stream }).info({ route: '/api/orders' }, 'accepted');
    const [line] = lines();
    assert.equal(line?.service, 'gateway');
    assert.equal(line?.level, 'info');
    assert.equal(line?.msg, 'accepted');
    assert.equal(line?.route, '/api/orders');
    assert.ok(!Number.isNaN(Date.parse(String(line?.time))));
    assert.equal(line?.requestId, undefined);
  });

  it('adds the request and trace ids of the request it runs in, across awaits', async () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'orders', destination: stream });
    await runWithRequestContext(
      { requestId: 'req-1', traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) },
      async () => {
        await Promise.resolve();
        logger.warn('payment slow');
      },
    );
    logger.info('outside');
    const [inside, outside] = lines();
    assert.equal(inside?.requestId, 'req-1');
    assert.equal(inside?.traceId, 'a'.repeat(32));
    assert.equal(inside?.spanId, 'b'.repeat(16));
    assert.equal(outside?.requestId, undefined);
  });

  it('drops lines below its level', () => {
    const { stream, lines } = captureLines();
    const logger = createLogger({ service: 'orders', level: 'warn', destination: stream });
    logger.info('quiet');
    logger.error('loud');
    assert.deepEqual(
      lines().map((line) => line.msg),
      ['loud'],
    );
  });
});
