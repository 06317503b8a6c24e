import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { skipUnlessBinary } from '@rebound/testing';
import { run } from '../src/index.ts';
import { ALERTMANAGER_DIR } from '../src/repo.paths.ts';

const amtool = skipUnlessBinary('amtool', 'prometheus-alertmanager');
const CONFIG = `${ALERTMANAGER_DIR}/alertmanager.yml`;

/** Label sets and the receivers Alertmanager must route them to. */
const ROUTES: readonly (readonly [labels: readonly string[], receiver: string])[] = [
  [['alertname=ServiceDown', 'service=orders', 'severity=page'], 'local-page'],
  [['alertname=CheckoutAvailabilityBudgetBurnFast', 'service=gateway', 'severity=page'], 'local-page'],
  [['alertname=InstanceDown', 'service=catalog', 'severity=ticket'], 'local-ticket'],
  [
    ['alertname=DeadLetterQueueNotEmpty', 'service=notifications', 'topic=orders.events', 'severity=ticket'],
    'local-ticket',
  ],
  [['alertname=Watchdog', 'severity=none'], 'local-default'],
  [['alertname=Unlabelled'], 'local-default'],
];

describe('Alertmanager configuration (amtool)', { skip: amtool }, () => {
  it('is valid', () => {
    const result = run('amtool', ['check-config', CONFIG]);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /2 inhibit rules/);
  });

  for (const [labels, receiver] of ROUTES) {
    it(`routes {${labels.join(', ')}} to ${receiver}`, () => {
      const result = run('amtool', [
        'config',
        'routes',
        'test',
        `--config.file=${CONFIG}`,
        `--verify.receivers=${receiver}`,
        ...labels,
      ]);
      assert.equal(result.status, 0, result.output);
      assert.equal(
        result.output.split('\n').find((line) => line.startsWith('local-')),
        receiver,
      );
    });
  }

  it('fails a route test that expects the wrong receiver (the check can fail)', () => {
    const result = run('amtool', [
      'config',
      'routes',
      'test',
      `--config.file=${CONFIG}`,
      '--verify.receivers=local-ticket',
      'severity=page',
    ]);
    assert.notEqual(result.status, 0, result.output);
  });
});
