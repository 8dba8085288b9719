/**
 * The sink runtime on the embedded bus (infra/bus/memory.ts): stop() drains. Kafka's adapter is
 * covered by runtime.integration.test.ts; this case lives here because kafkajs skips commits made
 * while its consumer is stopping (see the report to infra: infra/bus/kafka.ts commits through
 * consumer.commitOffsets, which is a no-op once stop has begun).
 */
import { expect, test } from "bun:test";
import { createMemoryBus } from "../../infra/bus/memory.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";
import { busKey, type Envelope } from "../../schemas/envelope.ts";
import { waitFor } from "../../test/support/wait-for.ts";
import { sampleEvents } from "../../test/support/store/sample-events.ts";
import { decodeEnvelope } from "./decode.ts";
import { createSinkRuntime } from "./runtime.ts";

const bus = createMemoryBus();
const topics = topicNames("drain.");

function runtime(write: (events: Envelope[]) => Promise<void>) {
  return createSinkRuntime({
    name: "slow", bus, topic: topics.events, dlqTopic: topics.dlq, groupPrefix: "drain", decode: decodeEnvelope, write,
    batch: { maxRows: 100, maxWaitMs: 50 }, retry: { maxAttempts: 2, baseMs: 5, maxMs: 10 }, consumers: 1, logger: createLogger("error"),
  });
}

async function send(events: Envelope[]) {
  const publisher = await bus.publisher();
  await publisher.send(topics.events, events.map((e) => ({ key: busKey(e), value: JSON.stringify(e) })));
}

test("stop drains: the batch in hand is written and committed before stop resolves", async () => {
  await bus.ensureTopics([{ name: topics.events, partitions: 1 }, { name: topics.dlq, partitions: 1 }]);
  let entered!: () => void;
  const inWrite = new Promise<void>((r) => (entered = r));
  const written: string[] = [];
  const first = runtime(async (batch) => {
    entered();
    await Bun.sleep(100);
    written.push(...batch.map((e) => e.event_id));
  });
  await first.start();
  await send(sampleEvents(30, { keys: 1 }));
  await inWrite;
  await first.stop();
  expect(written.length).toBe(30);

  const again: string[] = [];
  const second = runtime(async (batch) => void again.push(...batch.map((e) => e.event_id)));
  await second.start();
  const late = sampleEvents(1);
  await send(late);
  await waitFor(() => again.length, (n) => n >= 1, { what: "the event sent after the restart" });
  expect(again).toEqual([late[0]!.event_id]); // nothing of the drained batch came again
  await second.stop();
});
