import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HealthProbes } from '@rebound/health';
import {
  addressList,
  baseConfigSchema,
  ConfigError,
  FaultInjector,
  loadConfig,
} from '@rebound/service-defaults';
import { Registry } from 'prom-client';
import { applyBehaviour } from '../src/profile/behaviour.apply.ts';
import { parseBehaviour } from '../src/profile/behaviour.profile.ts';

describe('behaviour profiles (REBOUND_VERSION, REBOUND_BEHAVIOUR)', () => {
  it('parses every behaviour, and names a bad one on one line at start', () => {
    assert.deepEqual(
      parseBehaviour('error-ratio=0.3, latency-ms=200,crash-after-ms=5000,leak-mb-per-s=8,never-ready'),
      {
        errorRatio: 0.3,
        latencyMs: 200,
        crashAfterMs: 5000,
        leakMbPerSecond: 8,
        neverReady: true,
      },
    );
    const config = loadConfig(baseConfigSchema, {});
    assert.equal(config.REBOUND_VERSION, 'base');
    assert.equal(config.REBOUND_BEHAVIOUR.errorRatio, 0);
    assert.throws(
      () => loadConfig(baseConfigSchema, { REBOUND_BEHAVIOUR: 'error-ratio=2' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /REBOUND_BEHAVIOUR: error-ratio=2: expected a ratio between 0 and 1 \(got "error-ratio=2"\)/.test(
          error.message,
        ),
    );
    assert.throws(() => parseBehaviour('explode'), /unknown behaviour 'explode'/);
    assert.throws(() => parseBehaviour('never-ready=1'), /takes no value/);
  });

  it('sets the faults, the readiness check, the crash timer and rebound_build_info', async () => {
    const registry = new Registry();
    let crashed = 0;
    const faults = new FaultInjector({ registry, crash: () => crashed++ });
    const probes = new HealthProbes();
    probes.markStarted();
    const scheduled: [() => void, number][] = [];
    applyBehaviour({
      version: 'v-bad',
      profile: parseBehaviour('error-ratio=0.5,latency-ms=100,crash-after-ms=3000,never-ready'),
      faults,
      probes,
      registry,
      log: () => {},
      schedule: (callback, delayMs) => scheduled.push([callback, delayMs]),
    });
    assert.equal(faults.settings.errorRate, 0.5);
    assert.equal(faults.settings.latencyMs, 100);
    assert.equal((await probes.evaluate('readiness')).ok, false);
    assert.equal(scheduled[0]?.[1], 3000);
    scheduled[0]?.[0]();
    assert.equal(crashed, 1);
    assert.match(
      await registry.metrics(),
      /rebound_build_info\{version="v-bad",behaviour="error-ratio=0.5,latency-ms=100,crash-after-ms=3000,never-ready"\} 1/,
    );
    faults.close();
  });

  it('accepts a file:/// endpoints target alone, and refuses a relative one', () => {
    assert.equal(
      addressList.parse('file:///data/local/endpoints/catalog'),
      'file:///data/local/endpoints/catalog',
    );
    assert.equal(addressList.safeParse('file:relative/catalog').success, false);
    assert.equal(addressList.safeParse('file:///a,127.0.0.1:1').success, false);
  });
});
