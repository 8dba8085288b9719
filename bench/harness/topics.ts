/**
 * The run's own Kafka topics and consumer groups: named under a prefix of the run so the shared
 * fg.* topics stay clean, removed at the end.
 */
import { Kafka, logLevel } from "kafkajs";

export function benchAdmin() {
  const brokers = process.env.FG_KAFKA_BROKERS;
  if (!brokers) throw new Error("FG_KAFKA_BROKERS is not set: run through bench/run");
  return new Kafka({ clientId: "bench", brokers: brokers.split(","), logLevel: logLevel.NOTHING }).admin();
}

/** Deletes every topic and consumer group whose name starts with the prefix; returns how many. */
export async function deleteRunLeftovers(prefix: string): Promise<number> {
  const admin = benchAdmin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
    return topics.length + groups.length;
  } finally {
    await admin.disconnect();
  }
}
