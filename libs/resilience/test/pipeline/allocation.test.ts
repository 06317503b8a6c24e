import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { bulkhead, circuitBreaker, pipeline, retry, timeout } from '../../src/index.ts';

const Original = globalThis.AbortController;
let created = 0;

describe('success path', () => {
  beforeEach(() => {
    created = 0;
    globalThis.AbortController = class extends Original {
      constructor() {
        super();
        created++;
      }
    };
  });
  afterEach(() => {
    globalThis.AbortController = Original;
  });

  it('creates no AbortController when the operation never reads its signal', async () => {
    const p = pipeline(bulkhead(), timeout(1_000), retry(), circuitBreaker());
    for (let i = 0; i < 10; i++) assert.equal(await p.execute(async () => i), i);
    assert.equal(created, 0);
  });

  it('creates one per execution when the operation reads it', async () => {
    const p = pipeline(timeout(1_000), retry());
    for (let i = 0; i < 3; i++) await p.execute(async (ctx) => ctx.signal.aborted);
    assert.equal(created, 3);
  });
});
