// Runs a system binary as a supervised entry: node infra/local/src/binary.launcher.ts <binary> [args...]
// The supervisor only starts node scripts; this one execs the binary with the same stdio, passes SIGTERM and
// SIGINT on, and exits as the binary did (signals included), so probes, restarts and group kills work as for
// any other entry.
import { spawn } from 'node:child_process';

const [binary, ...args] = process.argv.slice(2);
if (!binary) {
  process.stderr.write('usage: binary.launcher.ts <binary> [args...]\n');
  process.exit(2);
}
const child = spawn(binary, args, { stdio: 'inherit' });
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  process.stderr.write(`${binary}: ${error.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
