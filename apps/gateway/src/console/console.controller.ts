import { readFileSync } from 'node:fs';
import { Controller, Get, Header, HttpCode, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONTEXT, type GatewayContext } from '../gateway.context.ts';
import { PlatformStatus } from '../platform/platform-status.client.ts';

const PUBLIC = new URL('../../public/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, PUBLIC), 'utf8');

/** The web console: one static page and its script, plus the platform status it polls. No build step. */
@Controller()
export class ConsoleController implements OnApplicationShutdown {
  readonly #context: GatewayContext;
  readonly #status: PlatformStatus;
  readonly #files: Record<string, string>;

  constructor(@Inject(GATEWAY_CONTEXT) context: GatewayContext) {
    this.#context = context;
    // A `dns:///` target is checked as one row (grpc-js resolves it and asks one pod), not per pod.
    this.#status = new PlatformStatus({
      catalog: [context.config.CATALOG_ADDRS].flat(),
      orders: [context.config.ORDERS_ADDRS].flat(),
    });
    this.#files = {
      html: read('index.html'),
      js: read('console.js'),
      css: read('console.css'),
      healHtml: read('heal.html'),
      healJs: read('heal.js'),
      healCss: read('heal.css'),
    };
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  page(): string {
    return this.#files.html!;
  }

  @Get('console.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return this.#files.js!;
  }

  @Get('console.css')
  @Header('content-type', 'text/css; charset=utf-8')
  style(): string {
    return this.#files.css!;
  }

  /** No icon: an empty answer rather than a 404 in every browser's console. */
  @Get('favicon.ico')
  @HttpCode(204)
  favicon(): void {}

  /** The heal view: processes, services, resilience decisions, alerts, faults, traffic, scenarios. */
  @Get('heal')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-cache')
  healPage(): string {
    return this.#files.healHtml!;
  }

  @Get('heal.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  healScript(): string {
    return this.#files.healJs!;
  }

  @Get('heal.css')
  @Header('content-type', 'text/css; charset=utf-8')
  healStyle(): string {
    return this.#files.healCss!;
  }

  /** The gateway's own readiness and every replica it calls. Public: it shows health, never data. */
  @Get('console/status')
  async status(): Promise<unknown> {
    const [gateway, replicas] = await Promise.all([
      this.#context.probes.evaluate('readiness'),
      this.#status.check(),
    ]);
    return {
      gateway: {
        ready: gateway.ok,
        checks: gateway.checks.map((check) => ({ name: check.name, ok: check.ok, detail: check.detail })),
      },
      replicas,
    };
  }

  /** The local default key for the console, only while API_KEYS is the documented local default. */
  @Get('console/config.json')
  config(): unknown {
    const key = [...this.#context.config.API_KEYS].find(([, client]) => client === 'console')?.[0];
    return { apiKey: this.#context.config.API_KEYS.size > 0 && key === 'console-local-key' ? key : null };
  }

  /** After the HTTP drain (as the gRPC clients): a status request in flight at SIGTERM still gets its answer. */
  onApplicationShutdown(): void {
    this.#status.close();
  }
}
