import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activeTraceIds, activeTraceparent, tracingEnabled, withRemoteParent } from '../../src/index.ts';
import { startTracing } from '../../src/tracing/index.ts';

// Exporter "none" (the default without a collector): nothing is installed, grpc-js loads unpatched.
startTracing({ service: 'off', env: { OTEL_TRACES_EXPORTER: 'none' } });
const grpc = await import('@grpc/grpc-js');

describe('startTracing with the exporter none', () => {
  it('installs no SDK, patches nothing, and leaves trace context to the request ids', () => {
    assert.equal(tracingEnabled(), false);
    assert.equal('__wrapped' in grpc.Client.prototype.makeUnaryRequest, false);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    withRemoteParent(traceparent, () => {
      assert.equal(activeTraceIds(), undefined);
      assert.equal(activeTraceparent(), undefined);
    });
  });
});
