import type { Bus, IncomingRecord } from "../../infra/bus/port.ts";

/**
 * A topic read from its start into `records` as batches arrive, in a consumer group of its own:
 * for tests that check what a part published. `stop` ends the read (a test's clean-up calls it).
 */
export async function readTopic(bus: Bus, topic: string, groupId = `reader-${topic}`): Promise<{ records: IncomingRecord[]; stop: () => Promise<void> }> {
  const records: IncomingRecord[] = [];
  const sub = await bus.subscribe({ groupId, topics: [topic], fromBeginning: true }, async (b) => void records.push(...b.records));
  return { records, stop: () => sub.stop() };
}
