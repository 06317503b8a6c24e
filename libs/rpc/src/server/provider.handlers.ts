import { status } from '@grpc/grpc-js';
import { isStatusError, RpcError } from '../common/status.error.ts';
import type { ServerServiceDefinition, ServiceHandlers } from './rpc.server.ts';

type AnyHandler = (request: unknown, context: unknown) => unknown;

export interface ProviderHandlersOptions {
  /** Runs around every call (in-flight accounting, say); must call `next()` once and return its result. */
  readonly around?: (method: string, next: () => Promise<unknown>) => Promise<unknown>;
  /**
   * A thrown error that is neither a status error nor `unavailable` is a bug: it is reported here (log it whole)
   * and the caller gets INTERNAL without its message.
   */
  readonly onUnexpected?: (error: unknown, method: string) => void;
  /** For an error that means "try again" (an unreachable database), the message the caller gets with UNAVAILABLE. */
  readonly unavailable?: (error: unknown) => string | undefined;
}

/**
 * The handlers of `definition` taken from an object that implements it, one method per rpc named as in the
 * definition (`listProducts(request, context)`), for `RpcServer.addService`. The one way a provider is
 * registered, whatever finds it (`bootstrap()`'s `@GrpcService` discovery, `RpcModule`'s `@RpcHandlers`). A missing
 * method is refused at once; errors are mapped to statuses as the options say.
 */
export function providerHandlers<D extends ServerServiceDefinition>(
  provider: object,
  definition: D,
  options: ProviderHandlersOptions = {},
): ServiceHandlers<D> {
  const name = provider.constructor?.name ?? 'provider';
  const handlers: Record<string, AnyHandler> = {};
  for (const key of Object.keys(definition)) {
    const method = (provider as Record<string, unknown>)[key];
    if (typeof method !== 'function') throw new Error(`${name} does not implement ${key}`);
    const call = async (request: unknown, context: unknown) => {
      try {
        return await method.call(provider, request, context);
      } catch (error) {
        if (isStatusError(error)) throw error;
        const retryable = options.unavailable?.(error);
        if (retryable !== undefined)
          throw new RpcError(status.UNAVAILABLE, retryable, undefined, { cause: error });
        if (options.onUnexpected === undefined) throw error;
        options.onUnexpected(error, key);
        throw new RpcError(status.INTERNAL, 'internal error', undefined, { cause: error });
      }
    };
    const around = options.around;
    handlers[key] = around ? (request, context) => around(key, () => call(request, context)) : call;
  }
  return handlers as ServiceHandlers<D>;
}
