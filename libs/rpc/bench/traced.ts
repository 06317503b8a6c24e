/**
 * Runs a bench script with OpenTelemetry tracing on, as a service's main.ts does: the SDK starts (exporting
 * over OTLP/HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`, every trace sampled) before the script imports grpc-js.
 *
 * Usage: node --conditions=development bench/traced.ts <script.ts> [script args...]
 */
import { startTracing } from '@rebound/observability/tracing';

const [script] = process.argv.splice(2, 1);
if (script === undefined) throw new Error('usage: traced.ts <script.ts> [args...]');
startTracing({ service: `bench-${script.replace(/\.ts$/, '')}` });
await import(new URL(script, import.meta.url).href);
