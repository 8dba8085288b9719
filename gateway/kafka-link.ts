/**
 * The gateway's link to Kafka, made in the background: a gateway starts (and answers /healthz,
 * and 503 to events) while Kafka is not there yet, and becomes ready once it connects, instead
 * of failing to start. Until then its publisher refuses sends, so nothing is acknowledged.
 */
import type { Bus, Publisher, TopicSpec } from "../infra/bus/port.ts";
import type { Logger } from "../infra/telemetry/logger.ts";

export interface KafkaLink {
  publisher: Publisher;
  /** Resolves once connected (or stopped). */
  connected: Promise<void>;
  stop(): Promise<void>;
}

export function linkToKafka(o: { bus: Bus; topics: TopicSpec[]; logger: Logger; onConnect?: () => Promise<void>; retryMs?: number }): KafkaLink {
  let inner: Publisher | undefined;
  let stopped = false;
  const connected = (async () => {
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await o.bus.ensureTopics(o.topics);
        const publisher = await o.bus.publisher();
        if (stopped) return void (await publisher.close());
        inner = publisher;
        await o.onConnect?.();
        if (attempt > 1) o.logger.info("connected to Kafka; acknowledging events again");
        return;
      } catch (err) {
        if (attempt === 1) o.logger.warn("cannot reach Kafka; answering 503 until it can", { err: String(err) });
        await Bun.sleep(Math.min((o.retryMs ?? 500) * attempt, 5_000));
      }
    }
  })();
  return {
    publisher: {
      send: (topic, records) => (inner ? inner.send(topic, records) : Promise.reject(new Error("not connected to Kafka yet"))),
      isReady: () => inner?.isReady() ?? false,
      close: async () => inner?.close(),
    },
    connected,
    async stop() {
      stopped = true;
      await inner?.close();
    },
  };
}
