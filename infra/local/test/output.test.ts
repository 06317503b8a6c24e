import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createLogMux,
  formatEvent,
  lineSplitter,
  renderMetrics,
  renderStatusTable,
  type StatusReport,
  type StatusRow,
  shouldColor,
} from '../src/index.ts';

const base: StatusRow = {
  name: 'catalog-0',
  process: 'catalog',
  replica: 0,
  state: 'Running',
  pid: 4242,
  ready: true,
  restarts: 0,
  uptimeMs: 65_000,
  restartInMs: undefined,
  lastExit: undefined,
  port: 7410,
  adminPort: 7415,
  detail: '',
};

const report: StatusReport = {
  uptimeMs: 70_000,
  allReady: false,
  urls: [{ name: 'gateway', url: 'http://127.0.0.1:7460' }],
  rows: [
    base,
    {
      ...base,
      name: 'catalog-1',
      replica: 1,
      state: 'CrashLoopBackOff',
      pid: undefined,
      ready: false,
      restarts: 3,
      uptimeMs: undefined,
      restartInMs: 4000,
      lastExit: { code: 1, signal: null },
      port: 7411,
      adminPort: 7416,
    },
    {
      ...base,
      name: 'gateway',
      process: 'gateway',
      state: 'Coming',
      pid: undefined,
      detail: 'coming (apps/gateway)',
    },
  ],
};

describe('status table', () => {
  it('shows state, readiness, restarts, ports and uptime in aligned columns', () => {
    const lines = renderStatusTable(report).split('\n');
    assert.equal(
      lines[0],
      'NAME       PID   STATE                  READY  RESTARTS  PORTS             UPTIME / NOTE',
    );
    assert.equal(
      lines[1],
      'catalog-0  4242  Running                yes    0         7410, admin 7415  up 1m05s',
    );
    assert.equal(
      lines[2],
      'catalog-1  -     CrashLoopBackOff (4s)  no     3         7411, admin 7416  exit 1',
    );
    assert.match(lines[3] ?? '', /^gateway +- +Coming +- +- +7410, admin 7415 +coming \(apps\/gateway\)$/);
    assert.equal(lines.at(-2), '1/2 ready, supervisor up 1m10s');
    assert.equal(lines.at(-1), 'gateway: http://127.0.0.1:7460');
  });
});

describe('metrics', () => {
  it('exposes restarts and readiness per replica in the Prometheus text format', () => {
    const text = renderMetrics(report);
    assert.match(text, /^# TYPE rebound_supervisor_restarts_total counter$/m);
    assert.match(
      text,
      /^rebound_supervisor_restarts_total\{process="catalog-1",service="catalog",replica="1"\} 3$/m,
    );
    assert.match(
      text,
      /^rebound_supervisor_process_ready\{process="catalog-0",service="catalog",replica="0"\} 1$/m,
    );
    assert.match(
      text,
      /^rebound_supervisor_process_crash_loop\{process="catalog-1",service="catalog",replica="1"\} 1$/m,
    );
    assert.doesNotMatch(text, /gateway/, 'entries that are coming have no series');
    assert.ok(text.endsWith('\n'));
  });
});

describe('log multiplexing', () => {
  it('prefixes every line with an aligned name and no colour when colour is off', () => {
    let out = '';
    const mux = createLogMux({
      write: (t) => (out += t),
      color: false,
      sources: ['kafka-0', 'notifications-0'],
    });
    mux.child('kafka-0', 'listening on 7400');
    mux.event('kafka-0 is ready');
    assert.equal(out, 'kafka-0         | listening on 7400\nlocal           | kafka-0 is ready\n');
  });

  it('colours prefixes only on a TTY without NO_COLOR', () => {
    let out = '';
    createLogMux({ write: (t) => (out += t), color: true, sources: ['a-0'] }).child('a-0', 'hi');
    assert.equal(out, '\u001b[36ma-0   |\u001b[0m hi\n');
    assert.equal(shouldColor({ isTTY: true }, {}), true);
    assert.equal(shouldColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(shouldColor({ isTTY: false }, {}), false);
  });

  it('splits chunks into whole lines and flushes the last partial one', () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.push('one\ntw');
    splitter.push('o\r\nthr');
    assert.deepEqual(lines, ['one', 'two']);
    splitter.flush();
    assert.deepEqual(lines, ['one', 'two', 'thr']);
  });

  it('words supervisor events as clear lines', () => {
    assert.equal(
      formatEvent('catalog-1', { type: 'restarting', delayMs: 4000, restarts: 3 })?.line,
      'catalog-1 restarting in 4s (restart #3, CrashLoopBackOff)',
    );
    assert.equal(
      formatEvent('catalog-1', { type: 'killing', reason: 'liveness', signal: 'SIGTERM' })?.line,
      'catalog-1 failed its liveness probe: killing it (SIGTERM)',
    );
    assert.equal(
      formatEvent('x', { type: 'exited', code: 3, signal: null, uptimeMs: 20 })?.line,
      'x exited with code 3 after 20ms',
    );
    const quiet = formatEvent('x', {
      type: 'probe-failed',
      kind: 'startup',
      failures: 3,
      threshold: 120,
      detail: 'ECONNREFUSED',
    });
    assert.equal(quiet, undefined, 'a starting process refusing connections is not news');
  });

  it('counts readiness failures up to the threshold, then stays quiet until the replica is ready again', () => {
    const failed = (failures: number) =>
      formatEvent('gateway-0', {
        type: 'probe-failed',
        kind: 'readiness',
        failures,
        threshold: 2,
        detail: '503',
      });
    assert.equal(failed(1)?.line, 'gateway-0 readiness probe failed (1/2): 503');
    assert.equal(failed(2)?.line, 'gateway-0 readiness probe failed (2/2): 503');
    assert.equal(failed(3), undefined);
    assert.equal(failed(43), undefined);
  });
});
