/**
 * Offline schema validation of rendered objects: `kubernetes-models` (types, enums, required fields, from the
 * Kubernetes OpenAPI schemas it ships) plus a walk over `@kubernetes/client-node`'s attribute maps that rejects
 * every field the API does not define (kubectl's strict field validation, offline). CRDs: KEDA uses its own
 * models package (not walked); custom resources whose CRD schema is vendored (CloudNativePG, Barman Cloud, Argo
 * Rollouts) are checked against that schema instead (`crd-schema.validator.ts`).
 */
import * as client from '@kubernetes/client-node';
import { hasCrdSchema, validateCustomResource } from './crd-schema.validator.ts';
import type { K8sObject } from './manifest.renderer.ts';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: unknown) => Validatable;

interface Attribute {
  baseName: string;
  type: string;
}
type ClientModel = { getAttributeTypeMap(): Attribute[] };

async function modelModule(apiVersion: string): Promise<Record<string, unknown>> {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === 'keda.sh') return import(`@kubernetes-models/keda/keda.sh/${version}`);
  return import(group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`);
}

function clientModel(name: string): ClientModel | undefined {
  const candidate = (client as Record<string, unknown>)[name] as Partial<ClientModel> | undefined;
  return typeof candidate?.getAttributeTypeMap === 'function' ? (candidate as ClientModel) : undefined;
}

/** Paths of fields the API does not know, e.g. `spec.template.spec.containers[0].resourcse`. */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, array[1] as string, `${path}[${i}]`))
      : [];
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return Object.entries(value as object).flatMap(([key, item]) =>
      unknownFields(item, map[1] as string, `${path}.${key}`),
    );
  }
  const model = clientModel(type);
  if (model === undefined || typeof value !== 'object') return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value as object).flatMap(([key, item]) => {
    const child = path === '' ? key : `${path}.${key}`;
    const attributeType = attributes.get(key);
    return attributeType === undefined ? [child] : unknownFields(item, attributeType, child);
  });
}

/** Every schema problem of `object` (empty when valid). */
export async function validateObject(object: K8sObject): Promise<string[]> {
  if (hasCrdSchema(object)) return validateCustomResource(object);
  // A custom resource with no vendored schema and no models package: say so rather than fail on the import.
  const module = await modelModule(object.apiVersion).catch(() => undefined);
  if (module === undefined) return [`no schema for ${object.apiVersion} ${object.kind}`];
  const Model = module[object.kind] as ModelClass | undefined;
  if (Model === undefined) return [`no schema for ${object.apiVersion} ${object.kind}`];
  const problems: string[] = [];
  // kustomize wraps base64 at 70 columns; the API server's decoder skips the newlines, the model's regex does not.
  const data = object.kind === 'Secret' ? (object.data as Record<string, string> | undefined) : undefined;
  const normalized =
    data === undefined
      ? object
      : {
          ...object,
          data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.replace(/\s/g, '')])),
        };
  try {
    new Model(normalized).validate();
  } catch (error) {
    problems.push(String((error as Error).message));
  }
  if (!object.apiVersion.includes('keda.sh')) {
    const version = object.apiVersion.split('/').at(-1) as string;
    const typeName = `V${version.slice(1, 2).toUpperCase()}${version.slice(2)}${object.kind}`;
    if (clientModel(typeName) === undefined)
      problems.push(`no client model ${typeName} for unknown-field checks`);
    else problems.push(...unknownFields(object, typeName, '').map((field) => `unknown field ${field}`));
  }
  return problems;
}
