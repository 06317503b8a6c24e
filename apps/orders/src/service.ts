import { bootstrap } from '@rebound/service-defaults';
import { AppModule } from './app.module.ts';
import { ordersConfigSchema } from './config.ts';

await bootstrap({ service: 'orders', module: AppModule, config: ordersConfigSchema });
