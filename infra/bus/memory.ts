/**
 * The embedded bus: an in-process, partitioned, append-only log with consumer groups and
 * committed offsets, so a laptop runs the whole pipeline in one process with Kafka's semantics
 * (per-key order, at-least-once delivery, commit after handling). It is not durable across
 * restarts; that is what the Kafka adapter is for.
 */
import type {
  Bus, BatchHandler, IncomingRecord, OutgoingRecord, Publisher, SubscribeOptions, Subscription, TopicPartition, TopicSpec,
} from "./port.ts";
import { partitionKey } from "./port.ts";

interface Topic {
  partitions: IncomingRecord[][];
}

interface Member {
  handler: BatchHandler;
  options: SubscribeOptions;
  assigned: TopicPartition[];
  positions: Map<string, number>;
  stopped: boolean;
  needsAssign: boolean;
}

const MAX_BATCH = 500;

function partitionFor(key: string, partitions: number): number {
  return Number(Bun.hash.murmur32v2(key) % partitions);
}

export function createMemoryBus(options: { defaultPartitions?: number } = {}): Bus {
  const defaultPartitions = options.defaultPartitions ?? 4;
  const topics = new Map<string, Topic>();
  const groups = new Map<string, Member[]>();
  const committed = new Map<string, number>(); // `${group}|${topic}:${partition}` -> next offset
  let wake: () => void = () => {};
  let appended = new Promise<void>((r) => (wake = r));
  const notify = () => {
    const w = wake;
    appended = new Promise<void>((r) => (wake = r));
    w();
  };

  const topicOf = (name: string): Topic => {
    const t = topics.get(name);
    if (!t) throw new Error(`memory bus: unknown topic ${name} (ensureTopics first)`);
    return t;
  };

  function rebalance(groupId: string) {
    const members = groups.get(groupId) ?? [];
    const all: TopicPartition[] = [];
    for (const name of new Set(members.flatMap((m) => m.options.topics))) {
      const t = topics.get(name);
      t?.partitions.forEach((_, partition) => all.push({ topic: name, partition }));
    }
    members.forEach((m) => {
      m.assigned = all.filter((tp, i) => i % members.length === members.indexOf(m) && m.options.topics.includes(tp.topic));
      m.needsAssign = true;
    });
    notify();
  }

  async function run(groupId: string, member: Member): Promise<void> {
    while (!member.stopped) {
      if (member.needsAssign) {
        member.needsAssign = false;
        member.positions.clear();
        await member.options.onAssignment?.(member.assigned);
        for (const tp of member.assigned) {
          const key = partitionKey(tp);
          const start = committed.get(`${groupId}|${key}`);
          const fallback = member.options.fromBeginning ? 0 : topicOf(tp.topic).partitions[tp.partition]!.length;
          member.positions.set(key, start === undefined ? fallback : Number(start));
        }
      }
      let delivered = false;
      for (const tp of member.assigned) {
        if (member.stopped || member.needsAssign) break;
        const key = partitionKey(tp);
        const log = topicOf(tp.topic).partitions[tp.partition]!;
        const from = member.positions.get(key) ?? 0;
        if (from >= log.length) continue;
        const records = log.slice(from, from + MAX_BATCH);
        await member.handler({ ...tp, records });
        const next = from + records.length;
        member.positions.set(key, next);
        committed.set(`${groupId}|${key}`, next);
        delivered = true;
      }
      if (!delivered && !member.stopped && !member.needsAssign) await appended;
    }
  }

  const publisher: Publisher = {
    async send(topic, records: OutgoingRecord[]) {
      const t = topicOf(topic);
      const now = Date.now();
      for (const r of records) {
        const partition = partitionFor(r.key, t.partitions.length);
        const log = t.partitions[partition]!;
        log.push({
          topic, partition, offset: String(log.length), key: r.key,
          value: Buffer.from(r.value), headers: { ...(r.headers ?? {}) }, timestamp: now,
        });
      }
      if (records.length) notify();
    },
    isReady: () => true,
    close: async () => {},
  };

  return {
    kind: "memory",
    publisher: async () => publisher,
    async ensureTopics(specs: TopicSpec[]) {
      for (const s of specs) {
        if (!topics.has(s.name)) topics.set(s.name, { partitions: Array.from({ length: s.partitions || defaultPartitions }, () => []) });
      }
      return Object.fromEntries(specs.map((s) => [s.name, topicOf(s.name).partitions.length]));
    },
    async subscribe(options, handler): Promise<Subscription> {
      options.topics.forEach(topicOf);
      const member: Member = { handler, options, assigned: [], positions: new Map(), stopped: false, needsAssign: true };
      const members = groups.get(options.groupId) ?? [];
      groups.set(options.groupId, [...members, member]);
      rebalance(options.groupId);
      const done = run(options.groupId, member).finally(() => {
        groups.set(options.groupId, (groups.get(options.groupId) ?? []).filter((m) => m !== member));
        rebalance(options.groupId);
      });
      return {
        done,
        async stop() {
          member.stopped = true;
          notify();
          await done.catch(() => {});
        },
      };
    },
    async close() {
      for (const members of groups.values()) members.forEach((m) => (m.stopped = true));
      notify();
    },
  };
}
