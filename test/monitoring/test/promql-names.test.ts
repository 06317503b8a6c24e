import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportedFamilies, isExported, metricNames } from '../src/index.ts';

describe('metricNames', () => {
  it('finds the metrics of an expression and skips functions, labels, ranges, grouping and keywords', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (service, le) (rate(rebound_rpc_server_duration_seconds_bucket{service=~"a|b",le="1"}[5m]))) > 0.5 and on (service) up == 0',
      ),
      ['rebound_rpc_server_duration_seconds_bucket', 'up'],
    );
    assert.deepEqual(metricNames('slo:x:ratio_rate1h > (14.4 * 0.0050) or vector(0)'), [
      'slo:x:ratio_rate1h',
    ]);
  });
});

describe('isExported', () => {
  it('accepts histogram series by their family and refuses unknown names', () => {
    const families = exportedFamilies(
      '# HELP a_seconds x\n# TYPE a_seconds histogram\na_seconds_bucket{le="1"} 0\n# TYPE b_total counter\n',
    );
    assert.ok(isExported('a_seconds_bucket', families));
    assert.ok(isExported('a_seconds_count', families));
    assert.ok(isExported('b_total', families));
    assert.ok(!isExported('b_total_sum', families));
    assert.ok(!isExported('c', families));
  });
});
