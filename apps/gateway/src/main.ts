import { startGateway } from './bootstrap.ts';

await startGateway();
