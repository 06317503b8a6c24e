import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ClientsModule } from './clients/clients.module.ts';
import { ConsoleModule } from './console/console.module.ts';
import { GATEWAY_CONTEXT, type GatewayContext } from './gateway.context.ts';
import { OrdersModule } from './orders/orders.module.ts';
import { ProductsModule } from './products/products.module.ts';

@Global()
@Module({})
class GatewayContextModule {
  static forRoot(context: GatewayContext): DynamicModule {
    const provider = { provide: GATEWAY_CONTEXT, useValue: context };
    return { module: GatewayContextModule, providers: [provider], exports: [provider] };
  }
}

/** One module per feature; the context built by the bootstrap is global. */
@Module({})
export class AppModule {
  static forRoot(context: GatewayContext): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatewayContextModule.forRoot(context),
        ClientsModule,
        ProductsModule,
        OrdersModule,
        ConsoleModule,
      ],
    };
  }
}
