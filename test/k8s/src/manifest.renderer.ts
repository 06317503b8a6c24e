import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './repo.paths.ts';

const run = promisify(execFile);

/** A rendered Kubernetes object (only the fields every object has are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export const K8S_DIR = join(repoRoot, 'k8s');

/** Every folder of `k8s/components/`, sorted. */
export function componentNames(): string[] {
  const dir = join(K8S_DIR, 'components');
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/** Every folder of `k8s/overlays/`, sorted. */
export function overlayNames(): string[] {
  const dir = join(K8S_DIR, 'overlays');
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort();
}

/**
 * The component combinations the suite renders: none, each alone, each pair (interactions between two: patch
 * targets, duplicate names), all but one (a component that silently needs another) and all. With 7 components
 * that is 37 of the 128 subsets, at under a third of the time on a 2-core box.
 */
export function combinations<T>(items: readonly T[]): T[][] {
  const n = items.length;
  return subsets(items).filter((s) => s.length <= 2 || s.length >= n - 1);
}

/** Every subset of `items` (2^n of them), smallest first. */
export function subsets<T>(items: readonly T[]): T[][] {
  const all: T[][] = [];
  for (let mask = 0; mask < 1 << items.length; mask++) {
    all.push(items.filter((_, index) => (mask & (1 << index)) !== 0));
  }
  return all.sort((a, b) => a.length - b.length);
}

function parse(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

/** `kubectl kustomize <dir>` → the objects. */
export async function renderDir(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return parse(stdout, dir);
}

/**
 * Renders `resources` (folders under k8s/, e.g. `base`) plus `components` through a throw-away kustomization
 * (kustomize accepts only relative paths, so it points back into the checkout). With `images`, sets image tags.
 */
export async function renderCombination(
  resources: readonly string[],
  components: readonly string[],
  images: Readonly<Record<string, string>> = {},
): Promise<K8sObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rebound-k8s-'));
  try {
    const rel = (path: string) => relative(dir, join(K8S_DIR, path));
    const lines = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${resources.map(rel).join(', ')}]`,
      `components: [${components.map((name) => rel(`components/${name}`)).join(', ')}]`,
    ];
    const imageLines = Object.entries(images).map(([name, tag]) => `  - name: ${name}\n    newTag: "${tag}"`);
    if (imageLines.length > 0) lines.push('images:', ...imageLines);
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return await renderDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `task` over `items` with at most `limit` in flight (kustomize is CPU-bound; the box has 2 cores). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata.namespace ?? '-'}/${object.metadata.name}`;
}

/**
 * A rendered YAML value read by the tests, which assert its shape field by field (a wrong shape fails the
 * assertion, not the type checker).
 */
// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped data; the tests assert their shape
export type Json = any;
