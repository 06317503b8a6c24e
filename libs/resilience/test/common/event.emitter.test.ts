import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventEmitter, once } from '../../src/index.ts';

describe('EventEmitter', () => {
  it('delivers events to every listener until it is disposed', () => {
    const emitter = new EventEmitter<number>();
    const seen: number[] = [];
    const sub = emitter.event((n) => seen.push(n));
    emitter.event((n) => seen.push(n * 10));
    emitter.emit(1);
    sub.dispose();
    emitter.emit(2);
    assert.deepEqual(seen, [1, 10, 20]);
    assert.equal(emitter.size, 1);
  });

  it('reports no listeners so that payloads are not built for nobody', () => {
    const emitter = new EventEmitter<number>();
    assert.equal(emitter.hasListeners, false);
    const sub = emitter.event(() => {});
    assert.equal(emitter.hasListeners, true);
    sub[Symbol.dispose]();
    assert.equal(emitter.hasListeners, false);
  });

  it('keeps calling other listeners when one throws, and reports the throw as a warning', async () => {
    const emitter = new EventEmitter<string>();
    const seen: string[] = [];
    emitter.event(() => {
      throw new Error('listener bug');
    });
    emitter.event((s) => seen.push(s));
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    emitter.emit('x');
    assert.deepEqual(seen, ['x']);
    assert.equal((await warned).message, 'listener bug');
  });

  it('once() resolves with the next event and unsubscribes', async () => {
    const emitter = new EventEmitter<number>();
    const next = once(emitter.event);
    emitter.emit(7);
    assert.equal(await next, 7);
    assert.equal(emitter.size, 0);
  });
});
