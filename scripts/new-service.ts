// `pnpm new:service <name>`: a new HTTP service in apps/<name>, behind the one door (@rebound/service-defaults),
// with a test that starts the built process. Prints the three commands that install, build and test it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const templates = join(root, 'scripts', 'new-service');
const NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;

function fail(message: string): never {
  process.stderr.write(`new:service: ${message}\n`);
  process.exit(2);
}

const name = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
if (name === undefined) fail('usage: pnpm new:service <name>   (kebab-case, e.g. reviews)');
if (!NAME.test(name)) fail(`"${name}" is not a kebab-case name of 3-32 characters (a-z, 0-9, -)`);
const target = join(root, 'apps', name);
if (existsSync(target)) fail(`apps/${name} exists already`);

const className = name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase());
const files: Record<string, string> = {
  'package.json': 'package.json.tpl',
  'tsconfig.json': 'tsconfig.json.tpl',
  'tsconfig.build.json': 'tsconfig.build.json.tpl',
  'src/main.ts': 'main.ts.tpl',
  'src/app.bootstrap.ts': 'app.bootstrap.ts.tpl',
  'src/app.module.ts': 'app.module.ts.tpl',
  [`src/${name}/${name}.controller.ts`]: 'controller.ts.tpl',
  [`test/${name}.test.ts`]: 'service.test.ts.tpl',
};
for (const [path, template] of Object.entries(files)) {
  const text = readFileSync(join(templates, template), 'utf8')
    .replaceAll('__NAME__', name)
    .replaceAll('__CLASS__', className);
  mkdirSync(dirname(join(target, path)), { recursive: true });
  writeFileSync(join(target, path), text);
}
// Long names wrap lines differently: the repository's formatter lays the files out as CI expects.
execFileSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', target], { stdio: 'ignore' });
process.stdout.write(
  `apps/${name}: ${Object.keys(files).length} files. Next:\n` +
    `  pnpm install\n  pnpm exec turbo run build --filter @rebound/${name}\n  pnpm --filter @rebound/${name} test\n`,
);
