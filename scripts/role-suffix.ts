// Every source file under a package's src/ is named `<name>.<role>.ts` (docs/architecture.md, "File names"), so a
// reader knows what a file is before opening it. Prints each file that is not and exits 1; run by scripts/check.sh.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GROUPS = ['apps', 'libs', 'infra', 'test'];
/** Names whose place says what they are: entry points, a package's public surface, its defaults and its scope. */
const ALLOWED = new Set(['index.ts', 'main.ts', 'cli.ts', 'constants.ts', 'telemetry.ts']);
/** Folders of generated code, named by their generator. */
const GENERATED = new Set(['generated']);
/** kebab-case name, a kebab-case role, then `.ts`/`.tsx`. */
const ROLE_SUFFIXED = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z0-9]+(?:-[a-z0-9]+)*)+\.tsx?$/;

function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && !GENERATED.has(entry.name)) walk(join(dir, entry.name));
      } else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(join(dir, entry.name));
      }
    }
  };
  for (const group of GROUPS) {
    for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
      const src = join(root, group, pkg.name, 'src');
      if (pkg.isDirectory() && statSync(src, { throwIfNoEntry: false })?.isDirectory()) walk(src);
    }
  }
  return files;
}

/** Whether a file name follows the convention (or is one of the allowed plain names). */
export function hasRoleSuffix(fileName: string): boolean {
  return ALLOWED.has(fileName) || ROLE_SUFFIXED.test(fileName);
}

if (import.meta.main) {
  const files = sourceFiles().map((file) => relative(root, file));
  const missing = files.filter((file) => !hasRoleSuffix(file.slice(file.lastIndexOf('/') + 1)));
  for (const file of missing) process.stdout.write(`no role suffix: ${file}\n`);
  process.stdout.write(
    `role suffix: ${missing.length} of ${files.length} source files without <name>.<role>.ts ` +
      `(allowed as they are: ${[...ALLOWED].join(', ')})\n`,
  );
  process.exitCode = missing.length === 0 ? 0 : 1;
}
