import { spawnSync } from 'node:child_process';

/**
 * Whether `kubectl kustomize` with kustomize v5 (components, `$patch: delete`, `labels`) is available. It comes
 * with the machine image (/usr/bin/kubectl, Google Cloud SDK packaging); Debian's `kubernetes-client` is 1.20
 * with kustomize v2, which knows no components, so it does not count. Like `skipUnlessBinary`: throws under
 * CI=true, otherwise returns the one-line skip reason.
 */
export function skipUnlessKustomize(): false | string {
  const result = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const major = Number(/Kustomize Version: v(\d+)/.exec(result.stdout ?? '')?.[1] ?? 0);
  if (result.status === 0 && major >= 5) return false;
  const reason =
    result.status === 0
      ? `kubectl's kustomize is v${major}, components need v5 (kubectl >= 1.27 from https://kubernetes.io/docs/tasks/tools/)`
      : 'kubectl not found: install kubectl >= 1.27 (https://kubernetes.io/docs/tasks/tools/)';
  if (process.env.CI === 'true') throw new Error(`${reason} (CI must provide it)`);
  process.stderr.write(`skipping: ${reason}\n`);
  return reason;
}
