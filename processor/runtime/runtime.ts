/**
 * The processor runtime: consumes fg.events in a consumer group, runs each owned partition's
 * engine, publishes what it produced, and checkpoints. Per batch, in this order:
 *   1. skip records below the partition's checkpointed offset (redelivered after a crash),
 *   2. run the engine,
 *   3. publish window results (fg.windows), late events, invalid records (DLQ) and alerts
 *      (through the alert emitter to fg.alerts), and wait for Kafka's acks,
 *   4. save the state delta and the next offset to the state backend in one atomic step,
 *   5. return, and only then does the bus commit the offsets.
 * A crash anywhere before 4 replays the batch against the old state: outputs are re-published
 * under the same deterministic ids and nothing is counted twice. A crash between 4 and 5 is
 * caught by step 1. A failed subscription (Kafka or Redis trouble, or a fenced save after a
 * rebalance) drops the in-memory partitions and subscribes again: they are restored from the
 * backend, which holds exactly what was committed.
 */
import type { Bus, IncomingBatch, OutgoingRecord, Publisher, Subscription, TopicPartition } from "../../infra/bus/port.ts";
import { partitionKey } from "../../infra/bus/port.ts";
import type { Topics } from "../../infra/bus/topics.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { createAlertEmitter } from "../../rules/alerts/emitter.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import type { Envelope } from "../../schemas/envelope.ts";
import type { EngineOutput } from "../engine/index.ts";
import type { StateStore } from "../state/index.ts";
import { decodeEvent } from "./events.ts";
import { processorMetrics as metrics } from "./metrics.ts";
import { restorePartition, type PartitionTask } from "./partition.ts";

export interface RuntimeOptions {
  bus: Bus;
  topics: Topics;
  groupId: string;
  store: StateStore;
  logger: Logger;
  outOfOrdernessMs: number;
  /** Pause before subscribing again after the subscription failed. */
  retryDelayMs?: number;
}

export interface ProcessorRuntime {
  /** The rule set to run; partitions switch to it at their next batch. */
  setRules(ruleSet: RuleSet): void;
  /** Subscribes once a rule set is known (events must never be checkpointed past without rules). */
  start(): Promise<void>;
  /** Lets the batch in hand finish (published, saved, committed), then leaves the group. */
  stop(): Promise<void>;
}

export function createProcessorRuntime(options: RuntimeOptions): ProcessorRuntime {
  const { bus, topics, store, logger } = options;
  const tasks = new Map<string, Promise<PartitionTask>>();
  let ruleSet: RuleSet | null = null;
  let rulesReady!: () => void;
  const rulesKnown = new Promise<void>((resolve) => (rulesReady = resolve));
  let publisher: Publisher | undefined;
  let subscription: Subscription | undefined;
  let stopping = false;
  let running: Promise<void> | undefined;
  const lastSizeAt = new Map<string, number>();

  const taskFor = (tp: TopicPartition): Promise<PartitionTask> => {
    const key = partitionKey(tp);
    let task = tasks.get(key);
    if (!task) {
      task = restorePartition(tp, { store, ruleSet: ruleSet as RuleSet, outOfOrdernessMs: options.outOfOrdernessMs, logger });
      // A failed restore must be retried by the next batch, not remembered.
      task.catch(() => tasks.delete(key));
      tasks.set(key, task);
    }
    return task;
  };

  async function onAssignment(assigned: TopicPartition[]): Promise<void> {
    const now = new Set(assigned.map(partitionKey));
    // Owned state is saved with every batch, so a revoked partition has nothing left to flush.
    for (const key of tasks.keys()) if (!now.has(key)) tasks.delete(key);
    logger.info("partitions assigned", { partitions: [...now] });
    await Promise.all(assigned.map(taskFor));
  }

  async function handle(batch: IncomingBatch): Promise<void> {
    const started = performance.now();
    const task = await taskFor(batch);
    const current = ruleSet as RuleSet;
    if (task.rulesVersion !== current.version) {
      task.engine.setRules(current);
      task.rulesVersion = current.version;
    }
    const events: Envelope[] = [];
    const invalid: OutgoingRecord[] = [];
    let skipped = 0;
    for (const record of batch.records) {
      if (task.nextOffset !== null && BigInt(record.offset) < task.nextOffset) {
        skipped++;
        continue;
      }
      const decoded = decodeEvent(record);
      if (decoded.ok) events.push(decoded.event);
      else invalid.push({ key: record.key ?? "", value: record.value, headers: { ...record.headers, "fg-error": decoded.error, "fg-source-offset": `${record.partition}:${record.offset}` } });
    }
    metrics.skipped.inc(skipped);
    if (skipped === batch.records.length) return;

    const out = task.engine.process(events);
    for (const f of out.failed) {
      logger.error("a rule failed on an event; sent to the DLQ", { rule: f.rule_id, event_id: f.event.event_id, error: f.error });
      invalid.push({ key: `${f.event.app_id}:${f.event.key ?? f.event.event_id}`, value: JSON.stringify(f.event), headers: { "fg-error": `rule ${f.rule_id}: ${f.error}` } });
    }
    await publish(task, out, invalid);
    const last = batch.records[batch.records.length - 1]!;
    const nextOffset = BigInt(last.offset) + 1n;
    await store.save(task.lease, task.engine.flush(), nextOffset.toString());
    task.nextOffset = nextOffset;

    observe(batch, task, out, events.length, invalid.length);
    metrics.batch.observe((performance.now() - started) / 1000);
  }

  async function publish(task: PartitionTask, out: EngineOutput, invalid: OutgoingRecord[]): Promise<void> {
    const pub = publisher as Publisher;
    const windows = out.windows.map((w) => ({ key: `${w.rule_id}:${w.group_key}`, value: JSON.stringify(w), headers: { "window-id": w.id } }));
    const late = out.late.map((l) => ({ key: `${l.rule_id}:${l.group_key}`, value: JSON.stringify(l), headers: { "event-id": l.event.event_id } }));
    const emitter = createAlertEmitter({ publisher: pub, topic: topics.alerts, gate: task.gate });
    const sends: Promise<unknown>[] = [];
    if (windows.length) sends.push(pub.send(topics.windows, windows));
    if (late.length) sends.push(pub.send(options.topics.late, late));
    if (invalid.length) sends.push(pub.send(topics.dlq, invalid));
    if (out.alerts.length)
      sends.push(emitter.emit(out.alerts).then((verdicts) => verdicts.forEach((v) => metrics.alerts.inc({ verdict: v }))));
    await Promise.all(sends);
  }

  function observe(tp: TopicPartition, task: PartitionTask, out: EngineOutput, applied: number, invalid: number): void {
    const partition = partitionKey(tp);
    metrics.events.inc(applied);
    metrics.invalid.inc(invalid);
    metrics.windows.inc(out.windows.length);
    metrics.evictions.inc(out.evicted);
    for (const l of out.late) metrics.late.inc({ rule: l.rule_id });
    const w = task.engine.watermark();
    if (w !== null) {
      metrics.watermark.set({ partition }, w);
      metrics.eventTimeLag.set({ partition }, (Date.now() - w) / 1000);
    }
    // Sizes cost a round trip to the backend: sampled, not per batch.
    const now = Date.now();
    if (now - (lastSizeAt.get(partition) ?? 0) < 10_000) return;
    lastSizeAt.set(partition, now);
    for (const [rule, keys] of Object.entries(task.engine.stats().keys)) metrics.stateKeys.set({ partition, rule }, keys);
    void store.size(tp).then((bytes) => metrics.stateBytes.set({ partition }, bytes), () => {});
  }

  async function consume(): Promise<void> {
    while (!stopping) {
      try {
        subscription = await bus.subscribe(
          { groupId: options.groupId, topics: [topics.events], fromBeginning: true, onAssignment },
          handle,
        );
        if (stopping) await subscription.stop();
        await subscription.done;
        return;
      } catch (err) {
        if (stopping) return;
        logger.error("processing failed; restoring partitions from the state backend and subscribing again", { err });
        tasks.clear();
        await subscription?.stop().catch(() => {});
        await Bun.sleep(options.retryDelayMs ?? 1_000);
      }
    }
  }

  return {
    setRules(next) {
      ruleSet = next;
      rulesReady();
    },
    async start() {
      publisher = await bus.publisher();
      await bus.ensureTopics([
        { name: topics.events, partitions: 4 },
        { name: topics.windows, partitions: 4 },
        { name: topics.alerts, partitions: 4 },
        { name: topics.dlq, partitions: 4 },
        { name: options.topics.late, partitions: 4 },
      ]);
      running = rulesKnown.then(() => (stopping ? undefined : consume()));
      running.catch((err) => logger.error("processor stopped consuming", { err }));
    },
    async stop() {
      stopping = true;
      rulesReady();
      await subscription?.stop();
      await running?.catch(() => {});
      await publisher?.close();
    },
  };
}
