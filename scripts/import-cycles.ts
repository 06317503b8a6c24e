// Finds import cycles between the source files of every package (relative imports, `import type` included:
// a reader follows those too), and imports that cross a layer the other way (a codec reaching into the server
// that uses it). Prints each and exits 1 if there is any; run by scripts/check.sh.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GROUPS = ['apps', 'libs', 'infra', 'test'];
/** Folders whose files import only files inside them (a codec knows nothing of its handlers or server). */
const SEALED = ['infra/kafka-dev/src/protocol'];
const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const group of GROUPS) {
    for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
      const src = join(root, group, pkg.name, 'src');
      if (!pkg.isDirectory() || !statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue;
      for (const entry of readdirSync(src, { withFileTypes: true, recursive: true })) {
        if (entry.isFile() && /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
          files.push(join(entry.parentPath, entry.name));
        }
      }
    }
  }
  return files;
}

/** Relative imports of a file, resolved to the `.ts` files they name (`./x.js` is `./x.ts` under tsc's rules). */
function importsOf(file: string, known: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const target = resolve(dirname(file), match[1] ?? match[2] ?? '');
    for (const candidate of [
      target,
      target.replace(/\.js$/, '.ts'),
      `${target}.ts`,
      join(target, 'index.ts'),
    ]) {
      if (known.has(candidate)) {
        found.push(candidate);
        break;
      }
    }
  }
  return found;
}

/** Strongly connected components with more than one file (Tarjan), each a cycle or a knot of them. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, indices.get(next) ?? 0));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfImport = component.length === 1 && (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfImport) components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return components;
}

if (import.meta.main) {
  const files = sourceFiles();
  const known = new Set(files);
  const graph = new Map(files.map((file) => [file, importsOf(file, known)]));
  const cycles = cyclesOf(graph);
  for (const cycle of cycles) {
    process.stdout.write(`import cycle: ${cycle.map((file) => relative(root, file)).join(' <-> ')}\n`);
  }
  const breaches: string[] = [];
  for (const folder of SEALED.map((sealed) => join(root, sealed))) {
    for (const [file, imports] of graph) {
      if (!file.startsWith(`${folder}/`)) continue;
      for (const target of imports) {
        if (!target.startsWith(`${folder}/`))
          breaches.push(`${relative(root, file)} -> ${relative(root, target)}`);
      }
    }
  }
  for (const breach of breaches) process.stdout.write(`import out of a sealed folder: ${breach}\n`);
  process.stdout.write(
    `import cycles: ${cycles.length}, sealed-folder breaches: ${breaches.length}, among ${files.length} source files\n`,
  );
  process.exitCode = cycles.length === 0 && breaches.length === 0 ? 0 : 1;
}
