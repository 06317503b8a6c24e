import type { catalogV1 } from '@rebound/contracts';

const eur = (amountMinor: number): catalogV1.Money => ({ amountMinor, currency: 'EUR' });

/** The shop's products: a fixed list, read-mostly, the same on every replica. */
export const SEED_PRODUCTS: readonly catalogV1.Product[] = [
  { id: 'p-001', name: 'Rubber duck', description: 'Listens to every bug report.', price: eur(500) },
  {
    id: 'p-002',
    name: 'Circuit breaker mug',
    description: 'Trips before the coffee overflows.',
    price: eur(1_250),
  },
  {
    id: 'p-003',
    name: 'Retry budget notebook',
    description: 'Ten percent of its pages are spare.',
    price: eur(900),
  },
  {
    id: 'p-004',
    name: 'Bulkhead lunchbox',
    description: 'Compartments that never leak into each other.',
    price: eur(1_500),
  },
  {
    id: 'p-005',
    name: 'Deadline hourglass',
    description: 'Propagates sand across every hop.',
    price: eur(2_000),
  },
  {
    id: 'p-006',
    name: 'Load shedding umbrella',
    description: 'Drops what it cannot carry.',
    price: eur(2_400),
  },
  { id: 'p-007', name: 'Idempotent stapler', description: 'Staple twice, bind once.', price: eur(1_100) },
  { id: 'p-008', name: 'Saga bookmark', description: 'Remembers where the story stopped.', price: eur(300) },
  {
    id: 'p-009',
    name: 'Outbox postcard set',
    description: 'Sent exactly once, eventually.',
    price: eur(700),
  },
  { id: 'p-010', name: 'Chaos monkey plush', description: 'Unplugs things on purpose.', price: eur(1_900) },
  {
    id: 'p-011',
    name: 'Health probe thermometer',
    description: 'Answers /readyz honestly.',
    price: eur(1_300),
  },
  {
    id: 'p-012',
    name: 'Backoff slippers',
    description: 'Each step a little slower, with jitter.',
    price: eur(2_900),
  },
];
