export type { ApiRequest, ApiResponse, OrderView } from './gateway.client.ts';
export { API_KEYS, api, placeOrder } from './gateway.client.ts';
export type { LoadOptions, Sample } from './load.loop.ts';
export { runLoad } from './load.loop.ts';
export { percentile, sumMetric, sumSeries } from './metrics.reader.ts';
export type { Platform, StartPlatformOptions, StatusReport, StatusRow } from './platform.harness.ts';
export { startPlatform } from './platform.harness.ts';
export { rawUnaryCall } from './raw-grpc.ts';
