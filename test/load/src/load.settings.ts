import { DEFAULT_MIX, formatMix, type Mix } from './operation.mix.ts';

/** A misbehaving client's stream: off or on at a rate. */
export interface ClientStream {
  readonly enabled: boolean;
  readonly rate: number;
}

/** Everything that can change while the generator runs. */
export interface LoadSettings {
  /** Shoppers' arrivals per second. */
  readonly rate: number;
  readonly mix: Mix;
  /** The client above its rate limit (ignores 429 and Retry-After). */
  readonly abuser: ClientStream;
  /** The client sending bodies the edge must refuse. */
  readonly badBodies: ClientStream;
  /** True while every stream's arrivals are stopped. */
  readonly paused: boolean;
}

export const DEFAULT_SETTINGS: LoadSettings = {
  rate: 10,
  mix: DEFAULT_MIX,
  abuser: { enabled: false, rate: 40 },
  badBodies: { enabled: false, rate: 1 },
  paused: false,
};

/** `rate 10/s, mix browse=0.4 …, abuser off, bad on at 1/s` */
export function describeSettings(settings: LoadSettings): string {
  const stream = (name: string, s: ClientStream) => `${name} ${s.enabled ? `on at ${s.rate}/s` : 'off'}`;
  return [
    `rate ${settings.rate}/s${settings.paused ? ' (paused)' : ''}`,
    `mix ${formatMix(settings.mix)}`,
    stream('abuser', settings.abuser),
    stream('bad', settings.badBodies),
  ].join(', ');
}
