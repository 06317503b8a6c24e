import { z } from 'zod';

/** The body of `POST /api/orders`. Prices are not the customer's to set: the gateway takes them from catalog. */
export const placeOrderBody = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        productId: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"'),
        quantity: z
          .number()
          .int('must be an integer')
          .min(1, 'must be at least 1')
          .max(100, 'must be at most 100'),
      }),
    )
    .min(1, 'must list at least one line')
    .max(50, 'must list at most 50 lines'),
});

export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

/** `Idempotency-Key`: required on every POST /api/orders (a UUID is a good choice). */
export const idempotencyKey = z
  .string({ error: 'the Idempotency-Key header is required' })
  .regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits, "_", ".", ":" or "-"');

export const orderId = z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"');
