/**
 * Offline validation of custom resources against their CRD's structural schema (OpenAPI v3 with the
 * `x-kubernetes-*` extensions), as the API server does with strict field validation: types, int-or-string,
 * required, enum, pattern, min/max, and every field the schema does not declare (unless it preserves unknown
 * fields). The schemas are vendored under `test/k8s/vendor/` by `vendor-crd-schemas.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths.ts';

export const ARGO_ROLLOUTS_VERSION = 'v1.9.1';
export const CRD_SCHEMA_DIR = join(repoRoot, 'test', 'k8s', 'vendor', 'argo-rollouts', ARGO_ROLLOUTS_VERSION);
export const CRD_SOURCES = [
  { kind: 'Rollout', version: 'v1alpha1', file: 'rollout-crd.yaml', schema: 'rollout.schema.yaml' },
  {
    kind: 'AnalysisTemplate',
    version: 'v1alpha1',
    file: 'analysis-template-crd.yaml',
    schema: 'analysis-template.schema.yaml',
  },
] as const;

export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema | boolean;
  items?: StructuralSchema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const cache = new Map<string, StructuralSchema>();

/** The vendored schema of `argoproj.io/<version>` `kind`, or undefined when none is vendored. */
export function crdSchema(apiVersion: string, kind: string): StructuralSchema | undefined {
  const source = CRD_SOURCES.find((s) => `argoproj.io/${s.version}` === apiVersion && s.kind === kind);
  if (!source) return undefined;
  const path = join(CRD_SCHEMA_DIR, source.schema);
  if (!existsSync(path)) return undefined;
  let schema = cache.get(path);
  if (!schema) {
    schema = parse(readFileSync(path, 'utf8')) as StructuralSchema;
    cache.set(path, schema);
  }
  return schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Every problem of `value` against `schema`, as `<path>: <what>` (empty when valid). */
export function validateStructural(value: unknown, schema: StructuralSchema, path = ''): string[] {
  const at = path === '' ? '<root>' : path;
  if (value === null || value === undefined) return schema.nullable ? [] : [`${at}: null`];
  const actual = typeOf(value);
  if (schema['x-kubernetes-int-or-string']) {
    return actual === 'integer' || actual === 'string' ? [] : [`${at}: must be an integer or a string`];
  }
  if (schema.type) {
    const fits = schema.type === actual || (schema.type === 'number' && actual === 'integer');
    if (!fits) return [`${at}: must be ${schema.type}, is ${actual}`];
  }
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string' && schema.pattern && !new RegExp(schema.pattern).test(value))
    problems.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${at}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      problems.push(...validateStructural(item, schema.items as StructuralSchema, `${path}[${i}]`));
    });
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) problems.push(`${at}: missing required field ${key}`);
    }
    const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
    const additional = schema.additionalProperties;
    for (const [key, item] of Object.entries(object)) {
      const child = path === '' ? key : `${path}.${key}`;
      const declared = schema.properties?.[key];
      if (declared) problems.push(...validateStructural(item, declared, child));
      else if (typeof additional === 'object') problems.push(...validateStructural(item, additional, child));
      else if (!preserve && additional !== true && schema.properties) problems.push(`unknown field ${child}`);
    }
  }
  return problems;
}

/**
 * Problems of a custom resource against its vendored schema. `metadata` is the API server's ObjectMeta (the CRD
 * schema only says `type: object`), checked by the built-in schemas elsewhere.
 */
export function validateCustomResource(object: { apiVersion: string; kind: string }): string[] | undefined {
  const schema = crdSchema(object.apiVersion, object.kind);
  if (!schema) return undefined;
  const { metadata: _metadata, ...rest } = object as Record<string, unknown>;
  return validateStructural(rest, { ...schema, properties: { ...schema.properties, metadata: {} } });
}
