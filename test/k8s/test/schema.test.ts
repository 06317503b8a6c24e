import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  combinations,
  componentNames,
  type Json,
  K8S_DIR,
  type K8sObject,
  mapLimit,
  objectId,
  overlayNames,
  renderCombination,
  renderDir,
  skipUnlessKustomize,
  unknownFields,
  validateObject,
} from '../src/index.ts';

const skip = skipUnlessKustomize();

describe('schema validation (offline, strict)', { skip }, () => {
  it('renders every overlay and component combination, and every object passes the schemas with no unknown field', async () => {
    const renders: K8sObject[][] = [];
    for (const overlay of overlayNames()) renders.push(await renderDir(join(K8S_DIR, 'overlays', overlay)));
    const names = componentNames();
    const list = combinations(names);
    // none, each alone, each pair, all but one, all
    assert.equal(list.length, 1 + names.length + (names.length * (names.length - 1)) / 2 + names.length + 1);
    const combos = await mapLimit(list, 3, (c) => renderCombination(['base'], c));
    for (const [index, objects] of combos.entries()) {
      const ids = objects.map(objectId);
      assert.equal(new Set(ids).size, ids.length, `[${list[index]?.join(', ')}] renders an object twice`);
    }
    renders.push(...combos);
    // The same object rendered by many combinations is checked once.
    const unique = new Map<string, K8sObject>();
    for (const object of renders.flat()) unique.set(JSON.stringify(object), object);
    const problems: string[] = [];
    for (const object of unique.values()) {
      for (const problem of await validateObject(object)) problems.push(`${objectId(object)}: ${problem}`);
    }
    assert.deepEqual(problems, []);
    assert.ok(unique.size > 80, `only ${unique.size} distinct objects rendered`);
  });

  it('reports a misspelt field, a wrong type and a missing required field', async () => {
    const [deployment] = (await renderDir(join(K8S_DIR, 'base'))).filter((o) => o.kind === 'Deployment');
    assert.ok(deployment);
    const typo = structuredClone(deployment) as K8sObject & { spec: Json };
    typo.spec.template.spec.containers[0].resourcse = {};
    assert.deepEqual(await validateObject(typo), [
      'unknown field spec.template.spec.containers[0].resourcse',
    ]);
    const wrongType = structuredClone(deployment) as K8sObject & { spec: Json };
    wrongType.spec.template.spec.containers[0].ports[0].containerPort = '50051';
    assert.match((await validateObject(wrongType)).join('\n'), /containerPort must be integer/);
    const missing = structuredClone(deployment) as K8sObject & { spec: Json };
    delete missing.spec.selector;
    assert.match((await validateObject(missing)).join('\n'), /selector/);
  });

  it('walks maps and arrays without flagging free-form keys', () => {
    assert.deepEqual(unknownFields({ labels: { 'any/key': 'v' } }, 'V1ObjectMeta', ''), []);
    assert.deepEqual(unknownFields([{ name: 'a', bogus: 1 }], 'Array<V1EnvVar>', 'env'), ['env[0].bogus']);
  });

  it('rejects a KEDA ScaledObject whose trigger metadata is not all strings', async () => {
    const objects = await renderCombination(['base'], ['kafka', 'keda-notifications']);
    const scaled = objects.find((o) => o.kind === 'ScaledObject') as K8sObject & { spec: Json };
    assert.deepEqual(await validateObject(scaled), []);
    const broken = structuredClone(scaled);
    broken.spec.triggers[0].metadata.lagThreshold = 10;
    assert.notDeepEqual(await validateObject(broken), []);
  });
});
