/**
 * Delivers what arrives on fg.alerts to the sinks each alert's rule names: the Postgres alerts
 * table (written before the offset is committed) and webhooks. A webhook delivery becomes a
 * durable job first, then runs on that sink's own queue, so a slow or dead endpoint delays only
 * its own deliveries; jobs left pending by a crash are resumed on start. A job that fails for
 * good is a dead letter, replayable with `fluxgate rules replay-dead-letters`.
 */
import type { Bus, Subscription } from "../../infra/bus/port.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { WebhookSinkConfig } from "../config.ts";
import { rulesMetrics } from "../metrics.ts";
import type { Alert } from "../../schemas/alert.ts";
import type { BackoffOptions } from "./backoff.ts";
import { createSinkQueue, type SinkQueue } from "./sinks/sink-queue.ts";
import { createWebhookDeliverer, type WebhookDeliverer } from "./sinks/webhook.ts";
import type { AlertStore } from "./store/alert-store.ts";

export interface DeliveryServiceOptions {
  bus: Bus;
  topic: string;
  groupId?: string;
  store: AlertStore;
  webhooks: Record<string, WebhookSinkConfig>;
  logger?: Logger;
  backoff?: BackoffOptions;
  sleep?: (ms: number) => Promise<void>;
}

export interface DeliveryService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when every webhook queue is empty (for tests and graceful stops). */
  idle(): Promise<void>;
}

interface Job {
  alert_id: string;
  sink: string;
  body: string;
}

const WEBHOOK = "webhook:";

export function createWebhookQueues(options: Pick<DeliveryServiceOptions, "store" | "webhooks" | "logger" | "backoff" | "sleep">) {
  const queues = new Map<string, SinkQueue<Job>>();
  for (const [name, config] of Object.entries(options.webhooks)) {
    const sink = `${WEBHOOK}${name}`;
    const deliverer: WebhookDeliverer = createWebhookDeliverer({
      name: sink, config,
      record: (a) => {
        rulesMetrics.webhookAttempts.inc({ sink, status: a.status });
        rulesMetrics.webhookSeconds.observe({ sink }, a.durationMs / 1_000);
        return options.store.recordAttempt(a);
      },
      ...(options.backoff && { backoff: options.backoff }), ...(options.sleep && { sleep: options.sleep }),
    });
    queues.set(sink, createSinkQueue<Job>({
      concurrency: config.concurrency,
      limit: config.queue_limit,
      handle: async (job) => {
        const outcome = await deliverer.deliver({ id: job.alert_id, traceparent: traceparentOf(job.body) }, job.body);
        await options.store.finishJob(job.alert_id, job.sink, outcome);
        if (!outcome.delivered) options.logger?.warn("webhook delivery failed; dead letter kept for replay", { sink, alert: job.alert_id, error: outcome.error });
      },
    }));
  }
  return {
    async enqueue(jobs: readonly Job[]) {
      for (const job of jobs) {
        const queue = queues.get(job.sink);
        const refused = !queue ? `no webhook sink named ${job.sink.slice(WEBHOOK.length)} is configured (FG_RULES_WEBHOOKS)` : !queue.push(job) ? "queue full" : null;
        if (refused) await options.store.finishJob(job.alert_id, job.sink, { delivered: false, attempts: 0, error: refused });
      }
    },
    idle: () => Promise.all([...queues.values()].map((q) => q.idle())).then(() => {}),
  };
}

export function createAlertDeliveryService(options: DeliveryServiceOptions): DeliveryService {
  const queues = createWebhookQueues(options);
  let subscription: Subscription | undefined;

  async function handle(alerts: Alert[]): Promise<void> {
    await options.store.insertAlerts(alerts.filter((a) => a.sinks.includes("postgres")));
    const jobs = alerts.flatMap((a) => {
      const body = JSON.stringify(a);
      return a.sinks.filter((s) => s.startsWith(WEBHOOK)).map((sink) => ({ alertId: a.id, sink, body }));
    });
    // Only jobs not seen before run: a redelivered batch does not deliver twice.
    await queues.enqueue(await options.store.addJobs(jobs));
  }

  return {
    async start() {
      await options.store.init();
      await queues.enqueue(await options.store.pendingJobs());
      await options.bus.ensureTopics([{ name: options.topic, partitions: 4 }]);
      subscription = await options.bus.subscribe(
        { groupId: options.groupId ?? "fluxgate-alert-sinks", topics: [options.topic], fromBeginning: true },
        async ({ records }) => {
          const alerts: Alert[] = [];
          for (const r of records) {
            try {
              alerts.push(JSON.parse(r.value.toString()) as Alert);
            } catch (err) {
              options.logger?.error("unreadable alert record skipped", { offset: r.offset, partition: r.partition, err });
            }
          }
          await handle(alerts);
        },
      );
    },
    async stop() {
      await subscription?.stop();
    },
    idle: queues.idle,
  };
}

/** The job's body is the alert as published; its trace goes on the delivery. */
function traceparentOf(body: string): string | undefined {
  try {
    const { traceparent } = JSON.parse(body) as Partial<Alert>;
    return typeof traceparent === "string" ? traceparent : undefined;
  } catch {
    return undefined;
  }
}
