import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Debian's interpreter, where `apt-get install python3-kafka python3-confluent-kafka` puts the modules. */
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * `skipUnlessBinary` for a Python module from a Debian package: false when it imports, else the skip reason.
 * Under CI=true a missing module is an error (CI installs the package, see `.ci/run`).
 */
export function skipUnlessPythonModule(module: string, debianPackage: string): false | string {
  if (spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0) return false;
  const reason = `python module ${module} not found: install it with 'apt-get install -y ${debianPackage}'`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI must provide it)`);
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}

/** Runs `test/clients/python/<script>` and returns the JSON it prints last; rejects with its stderr on failure. */
export function runPython<T>(script: string, args: string[], timeoutMs = 60_000): Promise<T> {
  const path = fileURLToPath(new URL(`../clients/python/${script}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
      if (process.env.KAFKA_DEV_VERBOSE) process.stderr.write(c);
    });
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0) {
        try {
          return resolve(JSON.parse(last) as T);
        } catch {
          // fall through to the error below
        }
      }
      reject(
        new Error(`${script} ${args.join(' ')} exited ${code ?? signal}:\n${stdout}\n${stderr.slice(-4000)}`),
      );
    });
  });
}
