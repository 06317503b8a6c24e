import type { ScenarioLoad, SteadyState } from '../scenario.types.ts';

/** The shoppers' default load: light enough for a shared 2-core box, enough to see a 1 % change in a window. */
export const SHOPPERS: ScenarioLoad = { rate: 8 };

/** "Normal": 99 % of the shoppers' operations succeed, p99 within 2 s (generous: CI boxes are shared). */
export const STEADY: SteadyState = { minSuccessRatio: 0.99, maxP99Ms: 2_000 };
