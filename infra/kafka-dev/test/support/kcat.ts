import { spawn } from 'node:child_process';

/** Reads a whole partition 0 with `kcat -C -e` and returns how many records it printed. */
export function kcatConsume(bootstrap: string, topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'kcat',
      ['-b', bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%o\\n'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('close', (code) =>
      code === 0 ? resolve(stdout.split('\n').filter((l) => l !== '').length) : reject(new Error(stderr)),
    );
  });
}
