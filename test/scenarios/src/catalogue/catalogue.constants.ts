import type { ScenarioLoad, SteadyState } from '../scenario.types.ts';

/** The shoppers' default load: light enough for a shared 2-core box, enough to see a 1 % change in a window. */
export const SHOPPERS: ScenarioLoad = { rate: 8 };

/**
 * "Normal": 98 % of the shoppers' operations succeed, p99 within 2 s. Generous on purpose: a window holds 40–80
 * operations on a shared 2-core box, where one shed (the gateway sheds reads while its event loop lags) is 1–2 %.
 */
export const STEADY: SteadyState = { minSuccessRatio: 0.98, maxP99Ms: 2_000 };
