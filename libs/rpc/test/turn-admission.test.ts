import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TurnAdmission } from '../src/index.ts';

/** Loop turns driven by hand: each `offer` is one turn, `turnMs` after the one before. */
function turns(admission: TurnAdmission, turnMs = 10) {
  let turn = 0;
  let now = 0;
  return {
    /** Offers `calls` calls in the next turn, each having waited `waitedMs`; returns how many were admitted. */
    offer(waitedMs: number, calls: number): number {
      turn++;
      now += turnMs;
      let admitted = 0;
      for (let i = 0; i < calls; i++) if (admission.admit(turn, waitedMs, now)) admitted++;
      return admitted;
    },
    forced(waitedMs: number, calls: number): number {
      turn++;
      now += turnMs;
      let admitted = 0;
      for (let i = 0; i < calls; i++) if (admission.admit(turn, waitedMs, now, true)) admitted++;
      return admitted;
    },
    /** One more call in the current turn. */
    another(waitedMs: number): boolean {
      return admission.admit(turn, waitedMs, now);
    },
  };
}

describe('TurnAdmission', () => {
  it('admits every call while calls wait less than the target', () => {
    const admission = new TurnAdmission({ targetMs: 20 });
    const loop = turns(admission);
    for (let i = 0; i < 50; i++) assert.equal(loop.offer(19, 100), 100);
    assert.equal(admission.cap, 1024);
  });

  it('never sheds for a stall shorter than the interval', () => {
    const admission = new TurnAdmission({ targetMs: 20, intervalMs: 100 });
    const loop = turns(admission, 30);
    assert.equal(loop.offer(0, 64), 64);
    assert.equal(loop.offer(500, 64), 64, 'one long wait (a GC pause) sheds nothing');
    assert.equal(loop.offer(40, 64), 64);
    assert.equal(loop.offer(40, 64), 64);
    for (let i = 0; i < 5; i++) assert.equal(loop.offer(1, 64), 64, 'the queue drained for a whole interval');
    assert.equal(loop.offer(40, 64), 64, 'so a new congestion starts a new interval');
    assert.equal(loop.offer(40, 64), 64);
    assert.equal(admission.cap, 1024);
  });

  it('treats a queue that dips under the target for less than the interval as still standing', () => {
    const admission = new TurnAdmission({ targetMs: 20, intervalMs: 100 });
    const loop = turns(admission, 30);
    assert.equal(loop.offer(40, 64), 64);
    assert.equal(loop.offer(40, 64), 64);
    assert.equal(loop.offer(1, 64), 64, 'a call that waited less than the target is never shed');
    assert.equal(loop.offer(40, 64), 64, 't=120: standing for 90 ms');
    assert.equal(loop.offer(40, 64), 32, 't=150: standing for the interval despite the dip');
  });

  it('halves the cap from what the last turn admitted once the queue stood for the interval, down to one per turn', () => {
    const admission = new TurnAdmission({ targetMs: 20, intervalMs: 100 });
    const loop = turns(admission, 50);
    assert.equal(loop.offer(0, 40), 40);
    assert.equal(loop.offer(200, 40), 40, 'congestion starts (t=100)');
    assert.equal(loop.offer(200, 40), 40, 't=150: standing for 50 ms only');
    assert.equal(loop.offer(200, 40), 20, 't=200: standing for the interval: half of the 40 admitted before');
    assert.equal(admission.cap, 20);
    assert.equal(loop.offer(100, 40), 10);
    assert.equal(loop.offer(50, 40), 5);
    assert.equal(loop.offer(25, 40), 2);
    assert.equal(loop.offer(21, 40), 1);
    assert.equal(loop.offer(21, 40), 1, 'never below one call per turn, so CPU-bound work goes on');
  });

  it('admits everyone in a turn under the target, and raises the cap by a quarter (at least one) after a turn that used it all', () => {
    const admission = new TurnAdmission({ targetMs: 20, intervalMs: 10 });
    const loop = turns(admission, 10);
    loop.offer(0, 8);
    loop.offer(30, 8);
    assert.equal(loop.offer(30, 8), 4, 'standing: half of the 8 admitted before');
    assert.equal(admission.cap, 4);
    assert.equal(loop.another(30), false, 'the cap of a turn is the one set when it started');
    assert.equal(loop.offer(10, 8), 8, 'under the target, the cap does not apply');
    assert.equal(admission.cap, 5, 'the turn before used the whole cap');
    assert.equal(loop.offer(10, 2), 2);
    assert.equal(admission.cap, 6);
    assert.equal(loop.offer(10, 8), 8);
    assert.equal(admission.cap, 6, 'the turn before (2 calls) did not use the cap: no raise');
    for (let i = 0; i < 4; i++) loop.offer(10, 16);
    assert.equal(admission.cap, 12, '6 → 7 → 8 → 10 → 12');
  });

  it('admits forced (critical-plus) calls past the cap and counts them', () => {
    const admission = new TurnAdmission({ targetMs: 20, intervalMs: 10 });
    const loop = turns(admission, 10);
    loop.offer(0, 4);
    loop.offer(30, 4);
    assert.equal(loop.offer(30, 4), 2);
    assert.equal(loop.forced(30, 3), 3, 'cap 1 in this turn, and all three forced calls pass');
    assert.equal(admission.cap, 1);
    assert.equal(loop.another(30), false, 'the forced calls used the turn up');
  });

  it('ends a congestion when the loop rested for a whole interval, however long ago it began', () => {
    const admission = new TurnAdmission({ targetMs: 50, intervalMs: 100 });
    let now = 0;
    // Single calls 8 s apart, each estimated past the target, the loop idle in between; then 8 at once.
    for (let turn = 1; turn <= 4; turn++) {
      now += 8_000;
      assert.equal(admission.admit(turn, 400, now, false, 7_600), true);
    }
    now += 8_000;
    let admitted = 0;
    for (let i = 0; i < 8; i++) if (admission.admit(5, 400, now, false, 7_600)) admitted++;
    assert.equal(admitted, 8, 'calls seconds apart are no standing queue');
    assert.equal(admission.cap, 1024);
  });

  it('keeps a congestion across rests shorter than the interval', () => {
    const admission = new TurnAdmission({ targetMs: 20, intervalMs: 100 });
    let now = 0;
    const offer = (turn: number, restedMs: number): number => {
      now += 50;
      let admitted = 0;
      for (let i = 0; i < 40; i++) if (admission.admit(turn, 200, now, false, restedMs)) admitted++;
      return admitted;
    };
    assert.equal(offer(1, 0), 40, 'congestion starts');
    assert.equal(offer(2, 30), 40);
    assert.equal(offer(3, 99), 20, 'standing for the interval: half of the 40 admitted before');
  });
});
