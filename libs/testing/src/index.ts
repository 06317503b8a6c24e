export { freePort } from './free-port.ts';
export { skipUnlessBinary } from './system-binary.ts';
export type { WaitForOptions } from './wait-for.ts';
export { waitFor } from './wait-for.ts';
