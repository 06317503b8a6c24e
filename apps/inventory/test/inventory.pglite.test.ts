import { inventorySuite } from './support/inventory.suite.ts';

inventorySuite('embedded PGlite', async () => ({}));
