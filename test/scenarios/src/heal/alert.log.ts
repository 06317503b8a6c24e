/** An alert as Prometheus reports it now. */
export interface ActiveAlert {
  readonly name: string;
  readonly state: 'pending' | 'firing';
  readonly labels: Readonly<Record<string, string>>;
  readonly activeAt: string | undefined;
}

/** A change seen between two polls: an alert started firing, or stopped (resolved). */
export interface AlertChange {
  readonly atMs: number;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly change: 'firing' | 'resolved';
}

export async function fetchAlerts(prometheusUrl: string): Promise<ActiveAlert[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) throw new Error(`Prometheus GET /api/v1/alerts answered ${response.status}`);
  const body = (await response.json()) as {
    data: { alerts: { labels: Record<string, string>; state: string; activeAt?: string }[] };
  };
  return body.data.alerts.map((alert) => ({
    name: alert.labels.alertname ?? '?',
    state: alert.state === 'firing' ? 'firing' : 'pending',
    labels: alert.labels,
    activeAt: alert.activeAt,
  }));
}

const keyOf = (alert: { name: string; labels: Readonly<Record<string, string>> }) =>
  `${alert.name}${JSON.stringify(Object.entries(alert.labels).sort())}`;

/** Keeps the alerts firing now and the last `limit` changes (fired, resolved), from successive polls. */
export class AlertLog {
  readonly #limit: number;
  #firing = new Map<string, ActiveAlert>();
  readonly #changes: AlertChange[] = [];

  constructor(limit = 50) {
    this.#limit = limit;
  }

  update(alerts: readonly ActiveAlert[], atMs: number): void {
    const firing = new Map(alerts.filter((a) => a.state === 'firing').map((a) => [keyOf(a), a]));
    for (const [key, alert] of firing) {
      if (!this.#firing.has(key))
        this.#push({ atMs, name: alert.name, labels: alert.labels, change: 'firing' });
    }
    for (const [key, alert] of this.#firing) {
      if (!firing.has(key)) this.#push({ atMs, name: alert.name, labels: alert.labels, change: 'resolved' });
    }
    this.#firing = firing;
  }

  firing(): ActiveAlert[] {
    return [...this.#firing.values()];
  }

  changes(): readonly AlertChange[] {
    return this.#changes;
  }

  #push(change: AlertChange): void {
    this.#changes.push(change);
    if (this.#changes.length > this.#limit) this.#changes.shift();
  }
}
