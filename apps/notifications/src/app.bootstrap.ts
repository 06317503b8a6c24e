import { bootstrap } from '@rebound/service-defaults';
import { AppModule } from './app.module.ts';

await bootstrap({ service: 'notifications', module: AppModule });
