/**
 * `node test/k8s/src/vendor-crds.cli.ts <crd.yaml>...`: writes the OpenAPI v3 schema of every served version of each
 * CustomResourceDefinition to `test/k8s/crds/generated/<group>_<plural>.<version>.json`, which `crd-schema.validator.ts` validates the
 * rendered custom resources against. Run it on the CRDs of the pinned release when a pin moves (crds/README.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CRD_DIR } from './crd-schema.validator.ts';

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { plural: string };
    versions: { name: string; served: boolean; schema: { openAPIV3Schema: unknown } }[];
  };
}

for (const file of process.argv.slice(2)) {
  const crd = parse(readFileSync(file, 'utf8')) as Crd;
  if (crd.kind !== 'CustomResourceDefinition') throw new Error(`${file}: not a CustomResourceDefinition`);
  for (const version of crd.spec.versions.filter((v) => v.served)) {
    const out = join(CRD_DIR, `${crd.spec.group}_${crd.spec.names.plural}.${version.name}.json`);
    writeFileSync(out, `${JSON.stringify(version.schema.openAPIV3Schema)}\n`);
    process.stdout.write(`wrote ${out}\n`);
  }
}
