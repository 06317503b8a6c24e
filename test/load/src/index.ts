export type { ArrivalProcess, ArrivalSchedulerOptions } from './arrival.scheduler.ts';
export { ArrivalScheduler } from './arrival.scheduler.ts';
export type { Clock, TimerHandle } from './clock.ts';
export { sleep, systemClock } from './clock.ts';
export type { Mix, Operation } from './mix.ts';
export { applyMix, DEFAULT_MIX, formatMix, MixError, OPERATIONS, parseMix, pickOperation } from './mix.ts';
export type { Random } from './random.ts';
export { seededRandom } from './random.ts';
