#!/usr/bin/env node
// `pnpm scenario list | run <name...|ci|all> | gameday --seed N --minutes M`. Flags in cli.args.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type Platform, startPlatform } from '@rebound/e2e';
import { keepAliveClock, sleep } from '@rebound/load';
import { CATALOGUE, findScenario } from './catalogue/index.ts';
import { type CliOptions, parseCli, USAGE, UsageError } from './cli.args.ts';
import { runGameday } from './gameday.runner.ts';
import { connectTarget } from './platform.target.ts';
import { formatList, formatReport, formatTimeline } from './report.format.ts';
import { runScenario, type ScenarioReport } from './scenario.runner.ts';
import type { Scenario } from './scenario.types.ts';
import { worstVerdict } from './scenario.verdict.ts';
import { Traffic } from './traffic.generator.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');
const WARM_UP_MS = 5_000;

function selected(names: readonly string[]): Scenario[] {
  if (names.includes('all')) return [...CATALOGUE];
  if (names.includes('ci')) return CATALOGUE.filter((s) => s.ci);
  return names.map((name) => {
    const scenario = findScenario(name);
    if (!scenario) throw new UsageError(`unknown scenario '${name}' (see pnpm scenario list)`);
    return scenario;
  });
}

async function withPlatform<T>(options: CliOptions, body: (dataDir: string) => Promise<T>): Promise<T> {
  if (!options.start) return body(options.dataDir ? resolve(options.dataDir) : join(REPO_ROOT, '.data'));
  process.stderr.write('scenario: starting a platform of its own (this takes a minute)\n');
  // notifications is judged here like the rest: its outage is a scenario of its own.
  const platform: Platform = await startPlatform({ optional: [] });
  try {
    return await body(platform.dataDir);
  } finally {
    await platform.stop();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseCli(argv);
  if (options.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.command === 'list') {
    process.stdout.write(
      options.json
        ? `${JSON.stringify(
            CATALOGUE.map(({ name, mechanism, proves, ci, gameday }) => ({
              name,
              mechanism,
              proves,
              ci: ci === true,
              gameday: gameday === true,
            })),
            null,
            2,
          )}\n`
        : `${formatList(CATALOGUE)}\n${CATALOGUE.length} scenarios\n`,
    );
    return 0;
  }
  const scenarios = options.command === 'run' ? selected(options.names) : CATALOGUE;
  return withPlatform(options, async (dataDir) => {
    const target = await connectTarget({ dataDir });
    const traffic = new Traffic({ gatewayUrl: target.gatewayUrl, seed: options.seed, load: { rate: 8 } });
    traffic.start();
    // New connections and cold caches are not the steady state: the first seconds are not measured.
    await sleep(keepAliveClock, WARM_UP_MS);
    const reportFile = resolve(options.report ?? join(dataDir, 'scenarios', 'report.json'));
    let body: unknown;
    let verdicts: string[];
    try {
      if (options.command === 'gameday') {
        const report = await runGameday(scenarios, {
          target,
          traffic,
          seed: options.seed,
          minutes: options.minutes,
          windowMs: options.windowMs,
          onTimeline: (entry) => process.stdout.write(`${formatTimeline('gameday', entry)}\n`),
          onStep: (step, index, of) =>
            process.stdout.write(
              `gameday ${index + 1}/${of}: ${step.scenario} after ${step.gapBeforeMs / 1000} s\n`,
            ),
          onReport: (report) => process.stdout.write(`${formatReport(report)}\n`),
        });
        process.stdout.write(
          `gameday seed ${report.seed}: ${report.verdict} (${report.runs.map((r) => `${r.scenario} ${r.verdict}`).join(', ')})\n`,
        );
        body = report;
        verdicts = [report.verdict];
      } else {
        const reports: ScenarioReport[] = [];
        for (const scenario of scenarios) {
          const report = await runScenario(scenario, {
            target,
            traffic,
            steadyWindowMs: options.windowMs,
            onTimeline: (entry) => process.stdout.write(`${formatTimeline(scenario.name, entry)}\n`),
          });
          process.stdout.write(`${formatReport(report)}\n`);
          reports.push(report);
        }
        const overall = worstVerdict(reports.map((r) => r.verdict));
        if (reports.length > 1) {
          process.stdout.write(
            `${reports.filter((r) => r.verdict === 'PASS').length}/${reports.length} PASS, overall ${overall}\n`,
          );
        }
        body = { verdict: overall, runs: reports };
        verdicts = reports.map((r) => r.verdict);
      }
    } finally {
      await traffic.stop();
    }
    await mkdir(dirname(reportFile), { recursive: true });
    await writeFile(reportFile, `${JSON.stringify(body, null, 2)}\n`);
    process.stdout.write(`report: ${reportFile}\n`);
    return verdicts.every((v) => v === 'PASS') ? 0 : 1;
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`scenario: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
