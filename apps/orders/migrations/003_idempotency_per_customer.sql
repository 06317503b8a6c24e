-- Idempotency keys belong to the customer who sent them: unique per (customer_id, idempotency_key), not
-- globally. Under 001 the key was global, so one customer's key returned another customer's order (or refused
-- the other's request), and the gateway worked around it by sending "<customer>/<key>". The gateway now sends the
-- key as the client wrote it, so those rows are rewritten to the bare key first: a client retrying, after the
-- upgrade, a request placed before it still finds its order instead of placing a second one. A row is left as
-- it is when the bare key is already taken for that customer (only a direct gRPC caller could have done that).
-- The global constraint goes first: two customers' rewritten rows may now share a key.
ALTER TABLE orders DROP CONSTRAINT orders_idempotency_key_key;

UPDATE orders AS legacy
   SET idempotency_key = substr(legacy.idempotency_key, length(legacy.customer_id) + 2)
 WHERE left(legacy.idempotency_key, length(legacy.customer_id) + 1) = legacy.customer_id || '/'
   AND length(legacy.idempotency_key) > length(legacy.customer_id) + 1
   AND NOT EXISTS (
     SELECT 1 FROM orders AS bare
      WHERE bare.customer_id = legacy.customer_id
        AND bare.idempotency_key = substr(legacy.idempotency_key, length(legacy.customer_id) + 2)
   );

ALTER TABLE orders ADD CONSTRAINT orders_customer_idempotency_key UNIQUE (customer_id, idempotency_key);
