import { Global, Module } from '@nestjs/common';
import { GATEWAY_CONTEXT, type GatewayContext } from '../gateway.context.ts';
import { GATEWAY_CLIENTS, GatewayClients } from './gateway.clients.ts';

/** The gRPC clients to catalog and orders, shared by every feature module and closed on shutdown. */
@Global()
@Module({
  providers: [
    {
      provide: GATEWAY_CLIENTS,
      useFactory: (context: GatewayContext) => new GatewayClients(context),
      inject: [GATEWAY_CONTEXT],
    },
  ],
  exports: [GATEWAY_CLIENTS],
})
export class ClientsModule {}
