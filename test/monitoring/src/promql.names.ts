/**
 * The metric names a PromQL expression reads. Not a full parser (promtool checks syntax): it removes
 * strings, label matchers, ranges and grouping clauses, then keeps the identifiers that are neither
 * functions, keywords nor aggregation operators.
 */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const rest = stripped.slice((match.index ?? 0) + name.length);
    if (/^\s*\(/.test(rest)) continue; // a function call or an aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    const before = stripped.slice(0, match.index ?? 0);
    if (/[0-9.]$/.test(before)) continue; // the unit of a number or duration (5m, 1e3)
    names.add(name);
  }
  return [...names].sort();
}

/** The metric families of a Prometheus text exposition (`# TYPE name type`). */
export function exportedFamilies(text: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const match of text.matchAll(/^# TYPE ([A-Za-z_:][A-Za-z0-9_:]*) (\w+)$/gm)) {
    families.set(match[1] as string, match[2] as string);
  }
  return families;
}

/** Whether `name` (possibly `x_bucket`, `x_count`, `x_sum` of a histogram or summary) is exported. */
export function isExported(name: string, families: ReadonlyMap<string, string>): boolean {
  if (families.has(name)) return true;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  const type = families.get(base);
  return base !== name && (type === 'histogram' || type === 'summary');
}
