import { join } from 'node:path';
import { type ServiceProcess, startServiceProcess } from './service-process.harness.ts';

/**
 * The services a checkout saga calls, inventory and payments, started from their built entry points
 * (`scriptOf(name)`), each with its own data directory under `dataDir` and its own database on the test
 * process's embedded PostgreSQL (`serviceDatabaseUrl`), unless `envOf(service)` names another.
 */
export async function startSagaServices(
  scriptOf: (service: string) => string,
  dataDir: string,
  envOf: (service: string) => Readonly<Record<string, string>> = () => ({}),
): Promise<{ inventory: ServiceProcess; payments: ServiceProcess }> {
  const start = (service: string) =>
    startServiceProcess({
      script: scriptOf(service),
      env: { SERVICE_NAME: service, DATA_DIR: join(dataDir, service), ...envOf(service) },
      readyTimeoutMs: 120_000,
    });
  const [inventory, payments] = await Promise.all([start('inventory'), start('payments')]);
  return { inventory, payments };
}
