import { bootstrap } from '@rebound/service-defaults';
import { AppModule } from './app.module.ts';
import { ordersConfigSchema } from './orders.config.ts';

await bootstrap({
  service: 'orders',
  module: AppModule,
  config: ordersConfigSchema,
  // A PlaceOrder holds its slot for its whole saga, mostly waiting on inventory and payments. The floor fits what
  // one replica carries when its sibling is gone and a dependency is slow (20 checkouts/s for about a second
  // each): at the default 16, orders shed checkouts it had the CPU and connections for. Its CPU stays guarded by
  // queue-time admission and the event-loop gate.
  concurrency: { initialLimit: 64, minLimit: 32 },
});
