import { bootstrapHttp, httpConfigSchema } from '@rebound/service-defaults';
import { AppModule } from './app.module.ts';

await bootstrapHttp({
  service: '__NAME__',
  config: httpConfigSchema,
  setup: () => ({ module: AppModule }),
});
