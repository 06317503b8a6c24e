/**
 * Vendors the OpenAPI schemas of Argo Rollouts' CRDs (Apache-2.0) for offline validation:
 *   node test/k8s/src/vendor-crd-schemas.cli.ts <dir holding rollout-crd.yaml, analysis-template-crd.yaml> <tag>
 * The dir is the release's `manifests/crds/` (e.g. `git show v1.9.1:manifests/crds/rollout-crd.yaml`). Only each
 * CRD's `openAPIV3Schema` is kept, without its `description` texts (they are most of the 1.2 MB and the check
 * does not read them); nothing else is changed.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ARGO_CRD_SCHEMA_DIR, ARGO_CRD_SOURCES } from './crd-schema.validator.ts';

function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, item]) => !(key === 'description' && typeof item === 'string'))
      .map(([key, item]) => [key, withoutDescriptions(item)]),
  );
}

if (import.meta.main) {
  const [dir, tag] = process.argv.slice(2);
  if (!dir || !tag) {
    process.stderr.write('usage: node test/k8s/src/vendor-crd-schemas.cli.ts <manifests/crds dir> <tag>\n');
    process.exit(2);
  }
  mkdirSync(ARGO_CRD_SCHEMA_DIR, { recursive: true });
  for (const source of ARGO_CRD_SOURCES) {
    const crd = parse(readFileSync(join(dir, source.file), 'utf8'));
    const version = crd.spec.versions.find((v: { name: string }) => v.name === source.version);
    if (!version) throw new Error(`${source.file}: no version ${source.version}`);
    const header = `# ${crd.spec.group}/${source.version} ${crd.spec.names.kind}: openAPIV3Schema of argoproj/argo-rollouts ${tag} manifests/crds/${source.file}, descriptions removed (Apache-2.0, see LICENSE). Regenerate with test/k8s/src/vendor-crd-schemas.cli.ts.\n`;
    writeFileSync(
      join(ARGO_CRD_SCHEMA_DIR, source.schema),
      header + stringify(withoutDescriptions(version.schema.openAPIV3Schema), { lineWidth: 0 }),
    );
  }
  process.stdout.write(`wrote ${ARGO_CRD_SOURCES.length} schemas into ${ARGO_CRD_SCHEMA_DIR}\n`);
}
