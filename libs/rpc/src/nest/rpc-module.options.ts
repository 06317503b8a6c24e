import type { RpcServerOptions } from '../index.ts';

export interface RpcModuleOptions {
  /** `host:port` to listen on; `127.0.0.1:0` picks a free port (read it from `RpcServerHost.port`). */
  readonly address?: string;
  readonly server?: RpcServerOptions;
  /** Bound for the graceful drain at shutdown. */
  readonly drainTimeoutMs?: number;
}
