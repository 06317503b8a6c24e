/**
 * The sum of every series of `name` on one `/metrics` page whose labels include all of `labels`
 * (0 when none matches): e.g. RED counts of one method over every outcome.
 */
export async function sumMetric(
  adminUrl: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  return sumSeries(text, name, labels);
}

/** `sumMetric` over several replicas' pages (e.g. both orders replicas' breaker transitions). */
export async function sumMetricAcross(
  adminUrls: readonly string[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const counts = await Promise.all(adminUrls.map((url) => sumMetric(url, name, labels)));
  return counts.reduce((a, b) => a + b, 0);
}

/** The same over a page already fetched. */
export function sumSeries(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length, line.lastIndexOf(' '));
    if (wanted.every((pair) => labelText.includes(pair)))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** The given percentile (0..100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
