import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  assertFencingToken,
  Counter,
  DATABASE,
  type Database,
  electLeader,
  Gauge,
  isFencingTokenError,
  type LeaderElection,
  SERVICE_CONTEXT,
  type ServiceContext,
} from '@rebound/service-defaults';
import { type Fence, OrdersRepository } from '../orders/orders.repository.ts';
import type { OrdersConfig } from '../orders.config.ts';
import { OrderEventsRelay } from '../outbox/order-events.relay.ts';
import { CheckoutSaga } from './checkout.saga.ts';
import { RunningSagas } from './running-sagas.registry.ts';

export const RECOVERY_LEASE = 'orders-recovery';
/** Sagas resumed per scan (the rest wait for the next one). */
const SCAN_LIMIT = 100;

/**
 * Resumes unfinished sagas from their checkpoints, on the leader only.
 *
 * Every replica contends for the `orders-recovery` lease (`electLeader`; a single replica is trivially
 * leader). The leader scans at once and every RECOVERY_INTERVAL_MS for PENDING orders whose heartbeat is older
 * than RECOVERY_STALE_AFTER_MS (no live request or worker is driving them), claims each in a fenced
 * transaction and resumes it with `CheckoutSaga.resume`, whose checkpoint writes are all fenced by the lease's
 * token: a deposed leader's late write is refused and its resume abandoned.
 */
@Injectable()
export class RecoveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly #context: ServiceContext<OrdersConfig>;
  readonly #db: Database;
  readonly #orders: OrdersRepository;
  readonly #saga: CheckoutSaga;
  readonly #running: RunningSagas;
  readonly #relay: OrderEventsRelay;
  readonly #fenced: Counter;
  #election: LeaderElection | undefined;
  #timer: NodeJS.Timeout | undefined;
  #scan: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(
    @Inject(SERVICE_CONTEXT) context: ServiceContext<OrdersConfig>,
    @Inject(DATABASE) db: Database,
    @Inject(OrdersRepository) orders: OrdersRepository,
    @Inject(CheckoutSaga) saga: CheckoutSaga,
    @Inject(RunningSagas) running: RunningSagas,
    @Inject(OrderEventsRelay) relay: OrderEventsRelay,
  ) {
    this.#context = context;
    this.#db = db;
    this.#orders = orders;
    this.#saga = saga;
    this.#running = running;
    this.#relay = relay;
    const worker = this;
    new Gauge({
      name: 'rebound_orders_recovery_leader',
      help: '1 while this replica holds the orders-recovery lease (runs the recovery worker), else 0.',
      registers: [context.registry],
      collect() {
        this.set(worker.#election?.isLeader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'rebound_orders_recovery_fencing_token',
      help: 'Fencing token of the current recovery lease term held by this replica (0 when not leader).',
      registers: [context.registry],
      collect() {
        this.set(worker.#election?.fencingToken ?? 0);
      },
    });
    this.#fenced = new Counter({
      name: 'rebound_orders_recovery_fenced_total',
      help: 'Recovery writes refused because this replica was no longer the leader (stale fencing token).',
      registers: [context.registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const { config, logger } = this.#context;
    this.#election = await electLeader(this.#db, {
      name: RECOVERY_LEASE,
      holder: this.#context.instance,
      leaseMs: config.RECOVERY_LEASE_MS,
      onError: (error) => logger.warn({ err: error }, 'recovery lease renewal failed'),
    });
    this.#election.onChange(({ isLeader, fencingToken }) => {
      logger.info(
        { fencingToken },
        isLeader ? 'recovery leader: resuming stalled sagas' : 'recovery follower',
      );
      if (isLeader) this.#tick();
    });
    if (this.#election.isLeader)
      logger.info({ fencingToken: this.#election.fencingToken }, 'recovery leader');
    this.#tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#scan;
    await this.#election?.close();
  }

  /** Scans now (if leader) and schedules the next scan. */
  #tick(): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#scan = this.#scan.then(() => this.#scanOnce()).catch(() => undefined);
    this.#timer = setTimeout(() => this.#tick(), this.#context.config.RECOVERY_INTERVAL_MS);
    this.#timer.unref();
  }

  async #scanOnce(): Promise<void> {
    const election = this.#election;
    if (!election?.isLeader || this.#stopped) return;
    const token = election.fencingToken;
    const fence: Fence = (tx) => assertFencingToken(tx, RECOVERY_LEASE, token);
    const staleMs = this.#context.config.RECOVERY_STALE_AFTER_MS;
    try {
      for (const order of await this.#orders.stalled(staleMs, SCAN_LIMIT)) {
        if (this.#running.has(order.id) || this.#stopped) continue;
        if (!(await this.#orders.claim(order.id, staleMs, fence))) continue;
        const steps = await this.#orders.steps(order.id);
        this.#context.logger.info(
          { orderId: order.id, steps: steps.length },
          'resuming saga from checkpoint',
        );
        // Resumed concurrently: one slow dependency must not hold up every other stalled saga.
        void this.#running
          .track(order.id, this.#saga.resume(order, steps, fence))
          .then(() => this.#relay.wake())
          .catch((error) => this.#failed(order.id, error));
      }
    } catch (error) {
      this.#failed(undefined, error);
    }
  }

  #failed(orderId: string | undefined, error: unknown): void {
    // Stopping: paused sagas were told to stop waiting; they stay PENDING for the next leader, nothing failed.
    if (this.#stopped) return;
    if (isFencingTokenError(error)) {
      this.#fenced.inc();
      this.#context.logger.warn({ orderId }, 'recovery write refused: no longer the leader (fencing token)');
      return;
    }
    this.#context.logger.error({ orderId, err: error }, 'recovery scan failed; next scan retries');
  }
}
