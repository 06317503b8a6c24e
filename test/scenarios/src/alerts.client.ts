/** Whether Prometheus reports alert `name` (with `labels`) firing now (`GET /api/v1/alerts`). */
export async function alertFiring(
  prometheusUrl: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<boolean> {
  const response = await fetch(`${prometheusUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(3_000) });
  if (!response.ok) throw new Error(`Prometheus GET /api/v1/alerts answered ${response.status}`);
  const body = (await response.json()) as {
    data: { alerts: { labels: Record<string, string>; state: string }[] };
  };
  return body.data.alerts.some(
    (alert) =>
      alert.state === 'firing' &&
      alert.labels.alertname === name &&
      Object.entries(labels).every(([key, value]) => alert.labels[key] === value),
  );
}
