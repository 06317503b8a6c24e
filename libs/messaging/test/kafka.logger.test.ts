import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type LogEntry, logLevel } from 'kafkajs';
import { quietLogCreator } from '../src/kafka.logger.ts';

function entry(level: logLevel, message: string, error?: string): LogEntry {
  return {
    namespace: 'Connection',
    level,
    label: logLevel[level] ?? '',
    log: { timestamp: '2026-01-01T00:00:00.000Z', message, ...(error ? { error } : {}) },
  };
}

describe('quietLogCreator', () => {
  const lines: { level: logLevel; line: string }[] = [];
  const log = quietLogCreator((level, line) => lines.push({ level, line }))(logLevel.WARN);

  it('takes a rebalance answer and an existing topic down to INFO, hidden at WARN', () => {
    lines.length = 0;
    log(
      entry(
        logLevel.ERROR,
        'Response Heartbeat(key: 12, version: 3)',
        'The group is rebalancing, so a rejoin is needed',
      ),
    );
    log(entry(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)', 'Topic creation errors'));
    log(entry(logLevel.WARN, 'The group is rebalancing, re-joining'));
    assert.deepEqual(lines, []);
  });

  it('keeps real errors at ERROR, in kafkajs format', () => {
    lines.length = 0;
    log(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.level, logLevel.ERROR);
    const parsed = JSON.parse(lines[0]?.line ?? '{}') as Record<string, string>;
    assert.equal(parsed.level, 'ERROR');
    assert.equal(parsed.message, '[Connection] Connection error: connect ECONNREFUSED 127.0.0.1:9092');
  });

  it('shows the normal events at INFO when the level asks for INFO', () => {
    lines.length = 0;
    quietLogCreator((level, line) => lines.push({ level, line }))(logLevel.INFO)(
      entry(
        logLevel.ERROR,
        'Response Heartbeat(key: 12, version: 3)',
        'The group is rebalancing, so a rejoin is needed',
      ),
    );
    assert.equal(lines[0]?.level, logLevel.INFO);
    assert.match(lines[0]?.line ?? '', /"level":"INFO"/);
  });
});
