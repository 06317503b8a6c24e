// Adds up the JUnit files that every package's `node --test` run writes, and prints one closing
// line for the whole workspace ("N passed, N failed, N skipped"), since turbo interleaves the
// per-package summaries.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['apps', 'libs', 'infra', 'test'];
const counts = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

for (const root of roots) {
  let entries: string[] = [];
  try {
    entries = readdirSync(root);
  } catch {
    continue;
  }
  for (const entry of entries) {
    const file = join(root, entry, 'test-results.xml');
    try {
      statSync(file);
    } catch {
      continue;
    }
    const xml = readFileSync(file, 'utf8');
    for (const match of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const body = match[3] ?? '';
      if (/<failure\b/.test(body)) {
        counts.failed++;
        failures.push(`${join(root, entry)}: ${/name="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '?'}`);
      } else if (/<skipped\b/.test(body)) counts.skipped++;
      else counts.passed++;
    }
  }
}

for (const failure of failures) console.log(`failed: ${failure}`);
console.log(`Tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
