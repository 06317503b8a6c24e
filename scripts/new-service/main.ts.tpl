import { startInstrumented } from '@rebound/service-defaults/tracing';

// Tracing patches HTTP as it loads, so it starts before the service's own imports.
await startInstrumented('__NAME__', () => import('./app.bootstrap.ts'));
