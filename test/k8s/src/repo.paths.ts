import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/k8s/src/repo.paths.ts). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
