/**
 * Rule-set distribution over a compacted Kafka topic (fg.rules, one partition, one key): the
 * store publishes each revision whole, and every processor reads the topic from the beginning
 * in a consumer group of its own, so all instances see every revision, in the same order, and
 * switch to the same version. Compaction keeps only the newest revision, which is all a
 * starting processor needs.
 */
import { randomUUID } from "node:crypto";
import type { Bus, Subscription } from "../../infra/bus/port.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { createRuleSetHolder, type RuleSource } from "../set/holder.ts";
import { storedTexts, type PublishedRuleSet } from "./postgres-store.ts";

const RULE_SET_KEY = "rule-set";

export async function ensureRulesTopic(bus: Bus, topic: string): Promise<void> {
  await bus.ensureTopics([{ name: topic, partitions: 1, compacted: true }]);
}

export async function publishRuleSet(bus: Bus, topic: string, set: PublishedRuleSet): Promise<void> {
  await ensureRulesTopic(bus, topic);
  const publisher = await bus.publisher();
  try {
    await publisher.send(topic, [{ key: RULE_SET_KEY, value: JSON.stringify(set), headers: { revision: String(set.revision) } }]);
  } finally {
    await publisher.close();
  }
}

export interface TopicSourceOptions {
  bus: Bus;
  topic: string;
  /** Unique per process by default: every instance must read every revision. */
  groupId?: string;
  logger?: Logger;
}

export function createTopicRuleSource(options: TopicSourceOptions): RuleSource {
  const holder = createRuleSetHolder((msg, problems) => options.logger?.error(msg, { topic: options.topic, problems }));
  let subscription: Subscription | undefined;
  let newest = -1;
  return {
    onRuleSet: holder.onRuleSet,
    status: holder.status,
    async start() {
      await ensureRulesTopic(options.bus, options.topic);
      subscription = await options.bus.subscribe(
        { groupId: options.groupId ?? `fluxgate-rules-${randomUUID()}`, topics: [options.topic], fromBeginning: true },
        async ({ records }) => {
          // Only the newest revision of a batch matters; older ones were superseded.
          const last = records.filter((r) => r.key === RULE_SET_KEY).at(-1);
          if (!last) return;
          let set: PublishedRuleSet;
          try {
            set = JSON.parse(last.value.toString()) as PublishedRuleSet;
          } catch (err) {
            options.logger?.error("unreadable rule-set record; keeping the running set", { topic: options.topic, offset: last.offset, err });
            return;
          }
          // A revision older than one already applied can only be a re-read; never go back by accident.
          if (set.revision <= newest) return;
          newest = set.revision;
          const result = holder.offer(String(set.revision), storedTexts(set));
          if (result.ok) options.logger?.info("rule set applied", { revision: set.revision, rules: result.ruleSet.rules.length });
        },
      );
    },
    async stop() {
      await subscription?.stop();
    },
  };
}
