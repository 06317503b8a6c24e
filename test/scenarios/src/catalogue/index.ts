import type { Scenario } from '../scenario.types.ts';
import { dataScenarios } from './data.scenarios.ts';
import { dependencyScenarios } from './dependencies.scenarios.ts';
import { edgeScenarios } from './edge.scenarios.ts';
import { messagingScenarios } from './messaging.scenarios.ts';
import { processScenarios } from './processes.scenarios.ts';
import { rolloutScenarios } from './rollouts.scenarios.ts';
import { runtimeScenarios } from './runtime.scenarios.ts';

/** Every scenario, in the order `list` prints them. */
export const CATALOGUE: readonly Scenario[] = [
  ...processScenarios,
  ...dependencyScenarios,
  ...edgeScenarios,
  ...messagingScenarios,
  ...dataScenarios,
  ...runtimeScenarios,
  ...rolloutScenarios,
];

export function findScenario(name: string): Scenario | undefined {
  return CATALOGUE.find((scenario) => scenario.name === name);
}
