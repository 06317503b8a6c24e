import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The base port infra/prometheus/prometheus.yml and infra/alertmanager/alertmanager.yml are written for. */
export const CONFIG_BASE_PORT = 7400;
/** Ports of the plan the configs name: slots 0..19 above the base. */
const PLAN_SPAN = 200;

/** Every `127.0.0.1:<port>` of the default plan moved to the same slot above `basePort`. */
export function rebasePorts(text: string, basePort: number): string {
  return text.replace(/127\.0\.0\.1:(\d+)/g, (match, port: string) => {
    const offset = Number(port) - CONFIG_BASE_PORT;
    return offset >= 0 && offset < PLAN_SPAN ? `127.0.0.1:${basePort + offset}` : match;
  });
}

/**
 * Prometheus's configuration for one platform: the ports of its plan, rule files by absolute path, and the
 * supervisor's file_sd target in this data dir (so another `--data-dir` watches a directory that exists).
 */
export function prometheusConfig(
  source: string,
  options: { readonly basePort: number; readonly rulesDir: string; readonly targetsFile: string },
): string {
  return rebasePorts(source, options.basePort)
    .replace(/^(\s*-\s*)rules\//gm, `$1${options.rulesDir}/`)
    .replace(/files: \["[^"]*prometheus-targets\.json"\]/, `files: ["${options.targetsFile}"]`);
}

export interface MonitoringFiles {
  readonly prometheus: string;
  readonly alertmanager: string;
}

/** Where `writeMonitoringConfigs` puts the files for data dir `dataRoot` (the topology's args name them). */
export function monitoringFiles(dataRoot: string): MonitoringFiles {
  return {
    prometheus: join(dataRoot, 'local', 'prometheus.yml'),
    alertmanager: join(dataRoot, 'local', 'alertmanager.yml'),
  };
}

/** Generates both configs from infra/prometheus and infra/alertmanager for this base port and data dir. */
export async function writeMonitoringConfigs(options: {
  readonly rootDir: string;
  readonly dataRoot: string;
  readonly basePort: number;
}): Promise<MonitoringFiles> {
  const files = monitoringFiles(options.dataRoot);
  await mkdir(join(options.dataRoot, 'local'), { recursive: true });
  const prometheusSource = await readFile(join(options.rootDir, 'infra/prometheus/prometheus.yml'), 'utf8');
  const alertmanagerSource = await readFile(
    join(options.rootDir, 'infra/alertmanager/alertmanager.yml'),
    'utf8',
  );
  await writeFile(
    files.prometheus,
    prometheusConfig(prometheusSource, {
      basePort: options.basePort,
      rulesDir: join(options.rootDir, 'infra/prometheus/rules'),
      targetsFile: join(options.dataRoot, 'local', 'prometheus-targets.json'),
    }),
  );
  await writeFile(files.alertmanager, rebasePorts(alertmanagerSource, options.basePort));
  return files;
}
