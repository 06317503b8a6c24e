import type { ReplicaSpec } from './topology.types.ts';

/** A version of a service: a name, and the bad-behaviour profile it runs with (empty: behaves). */
export interface Version {
  readonly name: string;
  /** `REBOUND_BEHAVIOUR` of the replicas (see libs/service-defaults `behaviour.profile.ts`), '' for none. */
  readonly behaviour: string;
}

/** What every replica runs before any rollout. */
export const BASE_VERSION: Version = { name: 'base', behaviour: '' };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const BEHAVIOUR_ITEM =
  /^(error-ratio=[0-9.]+|latency-ms=\d+|crash-after-ms=\d+|leak-mb-per-s=[0-9.]+|never-ready)$/;

/** Checks a version asked for on the command line or over HTTP; throws one line naming what is wrong. */
export function parseVersion(name: unknown, behaviour: unknown): Version {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new Error(
      `version: expected a name of letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)})`,
    );
  }
  const text = behaviour === undefined ? '' : behaviour;
  if (typeof text !== 'string') throw new Error('behaviour: expected a string');
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.find((item) => !BEHAVIOUR_ITEM.test(item));
  if (bad !== undefined) {
    throw new Error(
      `behaviour: '${bad}' is not one of error-ratio=R, latency-ms=N, crash-after-ms=N, leak-mb-per-s=N, never-ready`,
    );
  }
  return { name, behaviour: items.join(',') };
}

export function describeVersion(version: Version): string {
  return version.behaviour ? `${version.name} (${version.behaviour})` : version.name;
}

export function sameVersion(a: Version, b: Version): boolean {
  return a.name === b.name && a.behaviour === b.behaviour;
}

/** The replica spec running `version`: the environment the service reads through `@rebound/service-defaults`. */
export function withVersion(spec: ReplicaSpec, version: Version): ReplicaSpec {
  return {
    ...spec,
    env: { ...spec.env, REBOUND_VERSION: version.name, REBOUND_BEHAVIOUR: version.behaviour },
  };
}
