/**
 * The embedded bus: an in-process, partitioned, append-only log with consumer groups and
 * committed offsets, so a laptop runs the whole pipeline in one process with Kafka's semantics
 * (per-key order, at-least-once delivery, commit after handling). It is not durable across
 * restarts; that is what the Kafka adapter is for.
 *
 * Retention (docs/operations.md, "The embedded bus"): a partition keeps a record until every
 * group that reads its topic has committed it and it is `retentionMs` old, then drops it, so
 * memory follows the slowest consumer's lag (plus a short window), not the volume ever sent. The
 * window is for a group that joins a little after the data it should read from the beginning
 * (a role started after another, a test's second reader), as Kafka's time retention allows. A group whose members all left (a consumer
 * rejoining after a failure) keeps its hold for `idleGroupMs`; after that it no longer holds
 * records back, and if it comes back it resumes at the oldest record still kept, as a Kafka
 * group would after retention. Compacted topics (rule sets: a few records) are never trimmed,
 * since a new reader must find the latest value. What the log holds is bounded by `maxBytes`:
 * past it the publisher reports not ready and refuses sends, so the gateway answers 503 and
 * consumers slow down instead of the process growing without bound.
 */
import type {
  Bus, BatchHandler, IncomingRecord, OutgoingRecord, PartitionLag, Publisher, SubscribeOptions, Subscription, TopicPartition, TopicSpec,
} from "./port.ts";
import { partitionKey } from "./port.ts";
import { counter, gauge } from "../telemetry/metrics.ts";

const retainedRecords = gauge("bus_memory_retained_records", "Records the in-process bus holds (not yet committed by every group reading the topic)", ["topic"]);
const retainedBytes = gauge("bus_memory_retained_bytes", "Bytes of record values and keys the in-process bus holds", ["topic"]);
const trimmedRecords = counter("bus_memory_trimmed_records_total", "Records the in-process bus dropped once every group reading the topic had committed them", ["topic"]);
const refusedSends = counter("bus_memory_refused_sends_total", "Sends the in-process bus refused because it held maxBytes", ["topic"]);

/** A partition's log: records[i] has offset base + i. */
interface Log {
  base: number;
  records: IncomingRecord[];
  bytes: number;
}

interface Topic {
  name: string;
  compacted: boolean;
  partitions: Log[];
  bytes: number;
}

interface Member {
  handler: BatchHandler;
  options: SubscribeOptions;
  assigned: TopicPartition[];
  positions: Map<string, number>;
  stopped: boolean;
  needsAssign: boolean;
}

interface Group {
  members: Member[];
  topics: Set<string>;
  /** When its last member left; undefined while it has members. */
  idleSince?: number;
}

const MAX_BATCH = 500;
const MIB = 1024 * 1024;

export interface MemoryBusOptions {
  defaultPartitions?: number;
  /** Bytes (values and keys) the bus holds before it refuses sends. */
  maxBytes?: number;
  /** How long a group without members still holds records back. */
  idleGroupMs?: number;
  /** Records younger than this are kept even when every group has committed them. */
  retentionMs?: number;
  now?: () => number;
}

export class MemoryBusFullError extends Error {
  override name = "MemoryBusFullError";
}

function partitionFor(key: string, partitions: number): number {
  return Number(Bun.hash.murmur32v2(key) % partitions);
}

const sizeOf = (r: IncomingRecord) => r.value.byteLength + (r.key?.length ?? 0) + 64;

export interface MemoryBus extends Bus {
  /** What the log holds now, over every topic (the same figures as the bus_memory_retained_* gauges). */
  retained(): { records: number; bytes: number };
}

export function createMemoryBus(options: MemoryBusOptions = {}): MemoryBus {
  const defaultPartitions = options.defaultPartitions ?? 4;
  const maxBytes = options.maxBytes ?? 256 * MIB;
  const idleGroupMs = options.idleGroupMs ?? 5 * 60_000;
  const retentionMs = options.retentionMs ?? 30_000;
  const now = options.now ?? Date.now;
  const topics = new Map<string, Topic>();
  const groups = new Map<string, Group>();
  const committed = new Map<string, number>(); // `${group}|${topic}:${partition}` -> next offset
  let total = 0;
  let wake: () => void = () => {};
  let appended = new Promise<void>((r) => (wake = r));
  const notify = () => {
    const w = wake;
    appended = new Promise<void>((r) => (wake = r));
    w();
  };

  // Records outlive the window only until the next commit; when nothing is committed (idle), this drops them.
  const sweeper = setInterval(() => {
    for (const t of topics.values()) t.partitions.forEach((_, p) => trim(t, p));
  }, Math.max(1_000, retentionMs));
  sweeper.unref();

  const topicOf = (name: string): Topic => {
    const t = topics.get(name);
    if (!t) throw new Error(`memory bus: unknown topic ${name} (ensureTopics first)`);
    return t;
  };
  const end = (log: Log) => log.base + log.records.length;

  const report = (t: Topic) => {
    retainedRecords.set({ topic: t.name }, t.partitions.reduce((n, l) => n + l.records.length, 0));
    retainedBytes.set({ topic: t.name }, t.bytes);
  };

  /** Drops the records of a partition that every group holding the topic has committed. */
  function trim(t: Topic, partition: number) {
    if (t.compacted) return;
    const log = t.partitions[partition]!;
    const key = partitionKey({ topic: t.name, partition });
    let floor = end(log);
    for (const [groupId, g] of groups) {
      if (!g.topics.has(t.name)) continue;
      if (g.members.length === 0 && g.idleSince !== undefined && now() - g.idleSince > idleGroupMs) continue;
      const member = g.members.find((m) => m.assigned.some((tp) => tp.topic === t.name && tp.partition === partition));
      // A group that has not committed here yet holds everything from where its member started.
      const held = committed.get(`${groupId}|${key}`) ?? member?.positions.get(key) ?? log.base;
      floor = Math.min(floor, held);
    }
    let drop = floor - log.base;
    const keepFrom = now() - retentionMs;
    if (drop > 0 && log.records[drop - 1]!.timestamp > keepFrom) {
      // Appends are in time order: keep from the first record younger than the window.
      let lo = 0;
      let hi = drop - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (log.records[mid]!.timestamp > keepFrom) hi = mid;
        else lo = mid + 1;
      }
      drop = lo;
    }
    if (drop <= 0) return;
    let bytes = 0;
    for (let i = 0; i < drop; i++) bytes += sizeOf(log.records[i]!);
    log.records.splice(0, drop);
    log.base += drop;
    log.bytes -= bytes;
    t.bytes -= bytes;
    total -= bytes;
    trimmedRecords.inc({ topic: t.name }, drop);
    report(t);
  }

  function rebalance(groupId: string) {
    const group = groups.get(groupId);
    const members = group?.members ?? [];
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

  function commit(groupId: string, t: Topic, partition: number, next: number) {
    committed.set(`${groupId}|${partitionKey({ topic: t.name, partition })}`, next);
    trim(t, partition);
  }

  async function run(groupId: string, member: Member): Promise<void> {
    while (!member.stopped) {
      if (member.needsAssign) {
        member.needsAssign = false;
        member.positions.clear();
        await member.options.onAssignment?.(member.assigned);
        for (const tp of member.assigned) {
          const key = partitionKey(tp);
          const log = topicOf(tp.topic).partitions[tp.partition]!;
          const start = committed.get(`${groupId}|${key}`);
          const fallback = member.options.fromBeginning ? log.base : end(log);
          // Offsets below the log's base were trimmed: resume at the oldest record kept.
          member.positions.set(key, Math.max(start ?? fallback, log.base));
        }
      }
      let delivered = false;
      for (const tp of member.assigned) {
        if (member.stopped || member.needsAssign) break;
        const key = partitionKey(tp);
        const t = topicOf(tp.topic);
        const log = t.partitions[tp.partition]!;
        const from = Math.max(member.positions.get(key) ?? log.base, log.base);
        if (from >= end(log)) continue;
        const records = log.records.slice(from - log.base, from - log.base + MAX_BATCH);
        await member.handler({ ...tp, records });
        const next = from + records.length;
        member.positions.set(key, next);
        if (member.options.commits !== "explicit") commit(groupId, t, tp.partition, next);
        delivered = true;
      }
      if (!delivered && !member.stopped && !member.needsAssign) await appended;
    }
  }

  const publisher: Publisher = {
    async send(topic, records: OutgoingRecord[]) {
      const t = topicOf(topic);
      if (total >= maxBytes) {
        refusedSends.inc({ topic });
        throw new MemoryBusFullError(`memory bus: holds ${total} bytes (the limit is ${maxBytes}) that consumers have not committed yet`);
      }
      const at = now();
      for (const r of records) {
        const partition = partitionFor(r.key, t.partitions.length);
        const log = t.partitions[partition]!;
        const record: IncomingRecord = {
          topic, partition, offset: String(end(log)), key: r.key,
          value: Buffer.from(r.value), headers: { ...(r.headers ?? {}) }, timestamp: at,
        };
        const bytes = sizeOf(record);
        log.records.push(record);
        log.bytes += bytes;
        t.bytes += bytes;
        total += bytes;
      }
      if (records.length) {
        report(t);
        notify();
      }
    },
    isReady: () => total < maxBytes,
    close: async () => {},
  };

  return {
    kind: "memory",
    retained: () => ({ records: [...topics.values()].reduce((n, t) => n + t.partitions.reduce((m, l) => m + l.records.length, 0), 0), bytes: total }),
    publisher: async () => publisher,
    async ensureTopics(specs: TopicSpec[]) {
      for (const s of specs) {
        if (!topics.has(s.name)) {
          const partitions = Array.from({ length: s.partitions || defaultPartitions }, (): Log => ({ base: 0, records: [], bytes: 0 }));
          topics.set(s.name, { name: s.name, compacted: s.compacted ?? false, partitions, bytes: 0 });
        }
      }
      return Object.fromEntries(specs.map((s) => [s.name, topicOf(s.name).partitions.length]));
    },
    async subscribe(options, handler): Promise<Subscription> {
      options.topics.forEach(topicOf);
      const member: Member = { handler, options, assigned: [], positions: new Map(), stopped: false, needsAssign: true };
      const group = groups.get(options.groupId) ?? { members: [], topics: new Set<string>() };
      group.members = [...group.members, member];
      group.idleSince = undefined;
      options.topics.forEach((name) => group.topics.add(name));
      groups.set(options.groupId, group);
      rebalance(options.groupId);
      // With explicit commits, the subscriber's last commits go in before the member leaves.
      const done = run(options.groupId, member).then(() => options.drain?.().catch(() => {})).finally(() => {
        group.members = group.members.filter((m) => m !== member);
        if (group.members.length === 0) group.idleSince = now();
        rebalance(options.groupId);
      });
      return {
        done,
        async stop() {
          member.stopped = true;
          notify();
          await done.catch(() => {});
        },
        async commit(offsets) {
          for (const o of offsets) {
            // Only what the member owns: a commit for a partition that moved would overwrite its new owner's position.
            if (!member.assigned.some((tp) => tp.topic === o.topic && tp.partition === o.partition)) throw new Error(`memory bus: ${partitionKey(o)} is not assigned to this member`);
            commit(options.groupId, topicOf(o.topic), o.partition, Number(o.offset));
          }
        },
      };
    },
    async lag(groups) {
      return groups.flatMap(({ groupId, topics: names }) =>
        names.flatMap((name) =>
          (topics.get(name)?.partitions ?? []).map((log, partition): PartitionLag => {
            const committedAt = committed.get(`${groupId}|${partitionKey({ topic: name, partition })}`) ?? null;
            return { groupId, topic: name, partition, committed: committedAt, end: end(log), lag: end(log) - (committedAt ?? 0) };
          })));
    },
    async close() {
      clearInterval(sweeper);
      for (const g of groups.values()) g.members.forEach((m) => (m.stopped = true));
      notify();
    },
  };
}
