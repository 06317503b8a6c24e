import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseTracingConfig } from '../../src/tracing/index.ts';

describe('parseTracingConfig', () => {
  it('is off by default, so a laptop pays nothing until a collector is named', () => {
    assert.deepEqual(parseTracingConfig('orders', {}), {
      exporter: 'none',
      protocol: 'http/protobuf',
      serviceName: 'orders',
      sampleRatio: 1,
      scheduleDelayMs: 1_000,
    });
  });

  it('exports over OTLP once an endpoint is set, and OTEL_SERVICE_NAME names the service', () => {
    const config = parseTracingConfig('orders', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_SERVICE_NAME: 'orders-eu',
    });
    assert.equal(config.exporter, 'otlp');
    assert.equal(config.serviceName, 'orders-eu');
    assert.equal(
      parseTracingConfig('orders', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })
        .exporter,
      'otlp',
    );
  });

  it('lets OTEL_TRACES_EXPORTER choose console or none explicitly, whatever the endpoint', () => {
    assert.equal(parseTracingConfig('x', { OTEL_TRACES_EXPORTER: 'console' }).exporter, 'console');
    assert.equal(
      parseTracingConfig('x', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })
        .exporter,
      'none',
    );
  });

  it('exports protobuf bodies by default and JSON when OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL asks for it', () => {
    assert.equal(parseTracingConfig('x', { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol, 'http/json');
    assert.equal(
      parseTracingConfig('x', {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).protocol,
      'http/protobuf',
    );
  });

  it('samples a ratio of new traces with parentbased_traceidratio', () => {
    const config = parseTracingConfig('x', {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    assert.equal(config.sampleRatio, 0.25);
    assert.equal(config.scheduleDelayMs, 200);
  });

  it('refuses bad values with one clear line naming the variable', () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [
        { OTEL_TRACES_EXPORTER: 'jaeger' },
        /OTEL_TRACES_EXPORTER must be one of otlp, console, none; got "jaeger"/,
      ],
      [
        { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
        /OTEL_EXPORTER_OTLP_PROTOCOL must be one of http\/protobuf, http\/json; got "grpc"/,
      ],
      [{ OTEL_TRACES_SAMPLER: 'always_maybe' }, /OTEL_TRACES_SAMPLER must be/],
      [{ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, /between 0 and 1/],
      [{ OTEL_BSP_SCHEDULE_DELAY: 'soon' }, /OTEL_BSP_SCHEDULE_DELAY must be a number/],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => parseTracingConfig('x', env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});
