import { spawnSync } from 'node:child_process';

/**
 * Whether a suite that needs a system binary (promtool, kcat, postgres, chromium, ...) may run.
 * Under CI=true a missing binary is an error, because CI installs every one of them; elsewhere the
 * suite is skipped with one line saying what to install.
 *
 * @returns `false` when the binary is there, otherwise the skip reason to hand to `describe`/`it`.
 */
export function skipUnlessBinary(binary: string, debianPackage: string): false | string {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).status === 0;
  if (found) return false;
  const reason = `${binary} not found: install it with 'apt-get install -y ${debianPackage}'`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI must provide it)`);
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}

/**
 * How browser tests launch Debian's Chromium with playwright-core's `chromium.launch` (never a downloaded
 * browser): headless, no sandbox (CI runs as root), and none of the background traffic this machine cannot reach.
 */
export const CHROMIUM_LAUNCH_OPTIONS: { readonly executablePath: string; readonly args: string[] } = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
