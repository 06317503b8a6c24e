import type { Metadata } from '@grpc/grpc-js';
import type { CallContext } from '../common/call.context.ts';

/** What a handler gets beside the request. */
export interface HandlerContext extends CallContext {
  readonly metadata: Metadata;
  readonly path: string;
}

export type UnaryHandler<Req, Res> = (request: Req, context: HandlerContext) => Res | Promise<Res>;
