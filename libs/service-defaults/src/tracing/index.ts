// Imported first by a service's main.ts, before anything it traces is loaded (the SDK patches HTTP as it loads).
export { startInstrumented } from '@rebound/observability/tracing';
