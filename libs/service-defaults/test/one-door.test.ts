// The one-door rule of docs/architecture.md: an app's source imports `@rebound/service-defaults` (and its
// `/tracing` entry), `@rebound/contracts`, its own files, and no transport, metrics or telemetry client of its
// own (Nest's decorators, zod and node builtins are the app's to use).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const appsDir = join(root, 'apps');

/** Packages an app's `src/` may import besides relative paths and `node:` builtins. */
const ALLOWED = new Set([
  '@rebound/service-defaults',
  '@rebound/service-defaults/tracing',
  '@rebound/contracts',
]);
/** What comes only through the door: the other libraries and the clients they wrap. */
const FORBIDDEN =
  /^(@rebound\/|kafkajs$|pg$|@grpc\/|prom-client$|fastify$|@nestjs\/platform-|@nestjs\/microservices$|@opentelemetry\/|pino$)/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Module specifiers of static imports, re-exports and dynamic `import('…')` calls. */
function specifiersOf(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
    if (match[1] !== undefined) found.push(match[1]);
  }
  return found;
}

function doorViolations(dir: string): string[] {
  const violations: string[] = [];
  for (const file of sourceFiles(dir)) {
    for (const specifier of specifiersOf(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      if (!ALLOWED.has(specifier) && FORBIDDEN.test(specifier)) {
        violations.push(`${relative(root, file)} imports ${specifier}`);
      }
    }
  }
  return violations;
}

describe('the one door', () => {
  const apps = readdirSync(appsDir, { withFileTypes: true }).filter((entry) => entry.isDirectory());

  it('finds the six apps it guards', () => {
    assert.ok(apps.length >= 6, `apps found: ${apps.map((app) => app.name).join(', ')}`);
  });

  for (const app of apps) {
    it(`${app.name}: src imports only @rebound/service-defaults, @rebound/contracts and its own code`, () => {
      assert.deepEqual(doorViolations(join(appsDir, app.name, 'src')), []);
    });
  }

  it('catches a static import, a re-export and a dynamic import of another library', () => {
    const source = [
      "import { createKafka } from '@rebound/messaging';",
      "export { electLeader } from '@rebound/storage';",
      "const rpc = await import('@rebound/rpc');",
      "import { status } from '@grpc/grpc-js';",
      "import { Counter } from 'prom-client';",
      "import { bootstrap } from '@rebound/service-defaults';",
    ].join('\n');
    const bad = specifiersOf(source).filter(
      (specifier) => !ALLOWED.has(specifier) && FORBIDDEN.test(specifier),
    );
    assert.deepEqual(bad, [
      '@rebound/messaging',
      '@rebound/storage',
      '@rebound/rpc',
      '@grpc/grpc-js',
      'prom-client',
    ]);
  });
});
