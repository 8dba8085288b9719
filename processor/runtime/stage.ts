/**
 * One consumer loop of the processor over one topic: fg.events (stage 1) or fg.repartition
 * (stage 2). The loop is the same for both; what a batch does to a partition is the stage's
 * `step`. Per batch:
 *   1. skip records below the offset the partition's in-memory state has reached (redelivered
 *      after a crash or a rebalance),
 *   2. run the step (pure: engine, and the forwarding or the merge),
 *   3. start publishing window results (fg.windows), late events, invalid records (DLQ), alerts
 *      (through the alert emitter to fg.alerts) and forwarded records (fg.repartition), without
 *      waiting for their acks (the engine keeps what the batch changed; every FLUSH_MS, cadence.ts,
 *      it is flushed into the next checkpoint's delta, so no flush serialises a whole interval at once);
 *   4. return: the bus hands over the next batch at once (commits are explicit).
 * Per partition, a CHECKPOINT every `checkpointMs` of processing time (FG_PROCESSOR_CHECKPOINT_MS,
 * default 1000; Flink's checkpoint interval), and when the partition is revoked or the stage stops:
 *   a. flush the rest of the state changed since the last checkpoint (engine records and the
 *      stage's own; a record that several flushes wrote is written once) with the alert gate's throttle
 *      periods and the next offset: a snapshot taken at once, between two batches,
 *   b. wait for the acks of everything published since the last checkpoint,
 *   c. save the snapshot to the state backend in one atomic step,
 *   d. commit its offset to the bus. The bus's commit therefore never passes the saved state.
 * A crash anywhere before (c) replays, from the last checkpoint, every batch since it against the
 * state from before them: outputs are re-published under the same deterministic ids (forwarded
 * records under the same source offsets, which stage 2 drops) and nothing is counted twice; what
 * the interval costs is how much is replayed (up to `checkpointMs` of input). A crash between (c)
 * and (d) is caught by step 1. A failed checkpoint (Kafka or Redis trouble, or a save fenced by
 * another owner of a partition still assigned here) fails the subscription: the in-memory
 * partitions are dropped and restored from the backend, which holds exactly what was saved. A save
 * fenced for a partition that moved to another member in a rebalance just drops that partition.
 * With `idle` (stage 1), an owned partition that goes `idle.ms` of processing time without a batch
 * (including one that never had any) publishes idle markers once, so stage 2 stops waiting for
 * it; its next batch re-arms the timer. A marker is never sent while the partition's batch is in
 * hand, and a batch waits for a marker being sent, so they reach fg.repartition in order.
 */
import type { Bus, IncomingBatch, IncomingRecord, OutgoingRecord, Publisher, Subscription, TopicPartition } from "../../infra/bus/port.ts";
import { partitionKey } from "../../infra/bus/port.ts";
import type { Topics } from "../../infra/bus/topics.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import { createAlertEmitter } from "../alerts/emitter.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import type { EngineOutput } from "../engine/index.ts";
import { emptyDelta, mergeDelta, type RecordDelta } from "../engine/records.ts";
import { FencedError, type StateStore } from "../state/index.ts";
import { derivedTraceparent, inLinkedSpan } from "../../infra/telemetry/trace-context.ts";
import { causeFinder, type Causes } from "./causes.ts";
import { processorMetrics as metrics } from "./metrics.ts";
import type { PartitionTask } from "./partition.ts";
import { throttleDelta } from "./throttle-records.ts";
import { FLUSH_MS } from "./cadence.ts";

/** What a batch did to one partition. */
export interface StepResult {
  out: EngineOutput;
  /** Records for the DLQ. */
  invalid: OutgoingRecord[];
  /** Records for fg.repartition, in the order they must land. */
  forward: OutgoingRecord[];
  /** Events of fg.events applied (stage 2 counts its own, per rule, in the repartition metrics). */
  applied: number;
  /** The traces of the events applied, for the records derived from them (causes.ts). */
  causes: Causes;
}

export interface StageOptions {
  bus: Bus;
  topics: Topics;
  topic: string;
  groupId: string;
  store: StateStore;
  logger: Logger;
  publisher: () => Publisher;
  /** The running rule set, once known. */
  ruleSet: () => RuleSet;
  /** The part of the rule set this stage's engines run. */
  rules: (set: RuleSet) => RuleSet;
  restore: (tp: TopicPartition, rules: RuleSet) => Promise<PartitionTask>;
  step: (task: PartitionTask, records: readonly IncomingRecord[], tp: TopicPartition) => StepResult;
  /**
   * The partition's state changed since the last flush (engine records and the stage's own), taken
   * at each checkpoint rather than per batch: a record that several batches change is written once.
   */
  flush: (task: PartitionTask) => RecordDelta;
  /** Pause before subscribing again after the subscription failed. */
  retryDelayMs?: number;
  /** Processing time between a partition's checkpoints (a batch starts the clock); 0 checkpoints after every batch. */
  checkpointMs: number;
  /** Idle markers for fg.repartition, sent when an owned partition has had no batch for `ms`. */
  idle?: { ms: number; records: (task: PartitionTask, tp: TopicPartition) => OutgoingRecord[] };
}

export interface Stage {
  /** Consumes until stopped; subscribes again after failures. */
  run(): Promise<void>;
  /** Lets the batch in hand finish (published, saved, committed), then leaves the group. */
  stop(): Promise<void>;
}

export function createStage(options: StageOptions): Stage {
  const { bus, topics, store, logger } = options;
  const tasks = new Map<string, Promise<PartitionTask>>();
  let subscription: Subscription | undefined;
  let stopping = false;
  const lastSizeAt = new Map<string, number>();
  const idleTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Idle markers being sent, per partition; its next batch waits for them. */
  const idling = new Map<string, Promise<void>>();
  const inHand = new Set<string>();

  const quiet = (key: string) => {
    clearTimeout(idleTimers.get(key));
    idleTimers.delete(key);
  };
  const arm = (tp: TopicPartition) => {
    const idle = options.idle;
    const key = partitionKey(tp);
    quiet(key);
    if (!idle || stopping || !tasks.has(key)) return;
    idleTimers.set(key, setTimeout(() => {
      idleTimers.delete(key);
      const task = tasks.get(key);
      if (!task || inHand.has(key) || stopping) return;
      const sent = task
        .then((t) => {
          const records = idle.records(t, tp);
          return records.length ? options.publisher().send(topics.repartition, records) : undefined;
        })
        .then(
          () => metrics.idleMarkers.inc(),
          // Lost markers only delay stage 2 until the partition's next batch or idle period.
          (err) => logger.warn("could not send idle markers", { err, partition: key }),
        )
        .finally(() => idling.delete(key));
      idling.set(key, sent);
    }, idle.ms));
  };
  const quietAll = () => {
    for (const key of [...idleTimers.keys()]) quiet(key);
  };

  /** What a partition has processed but not yet saved: one per owned task, replaced with it. */
  interface Unsaved {
    task: PartitionTask;
    tp: TopicPartition;
    /** Whether a batch was processed since the last checkpoint (its state is flushed at the checkpoint). */
    dirty: boolean;
    /** State flushed since the last checkpoint, for the next one's save (see FLUSH_MS). */
    flushed: RecordDelta;
    /** When (performance.now()) the state was last flushed. */
    flushedAt: number;
    /** Their publications: a checkpoint waits for every ack before it saves. */
    sends: Promise<unknown>[];
    /** Batches whose publications have not all been acked yet (those since earlier checkpoints included). */
    unacked: number;
    timer: ReturnType<typeof setTimeout> | undefined;
    /** The partition's checkpoints, one after another: a delta applies on top of the one before. */
    saving: Promise<void>;
    /** Set once a checkpoint failed: nothing later may be saved on top of the missing delta. */
    broken: boolean;
  }
  const unsaved = new Map<string, Unsaved>();
  /** Rejects the running subscription's wait when a checkpoint fails (run() restores and subscribes again). */
  let failRun: (err: unknown) => void = () => {};
  /** Partitions this member owns since the last assignment: a fenced save of one it no longer owns is not a failure. */
  let owned = new Set<string>();

  const unsavedOf = (key: string, task: PartitionTask, tp: TopicPartition): Unsaved => {
    let u = unsaved.get(key);
    if (u?.task !== task) {
      if (u) clearTimeout(u.timer);
      u = { task, tp: { topic: tp.topic, partition: tp.partition }, dirty: false, flushed: emptyDelta(), flushedAt: performance.now(), sends: [], unacked: 0, timer: undefined, saving: Promise.resolve(), broken: false };
      unsaved.set(key, u);
    }
    return u;
  };

  /**
   * Saves what the partition processed so far once its publications are acked, then commits the
   * offset. The snapshot (delta, offset, throttle periods) is taken now, synchronously, so batches
   * that come while it waits belong to the next checkpoint.
   */
  function checkpoint(key: string): Promise<void> {
    const u = unsaved.get(key);
    if (!u) return Promise.resolve();
    clearTimeout(u.timer);
    u.timer = undefined;
    const { task, tp } = u;
    if (!u.dirty || u.broken || task.nextOffset === null) return u.saving;
    // The gate decided during publish: its throttle periods go in the same save as the steps' state.
    const delta = mergeDelta(mergeDelta(u.flushed, options.flush(task)), throttleDelta(task.gate.takeChanges()));
    const sends = u.sends;
    const nextOffset = task.nextOffset.toString();
    u.dirty = false;
    u.flushed = emptyDelta();
    u.flushedAt = performance.now();
    u.sends = [];
    const started = performance.now();
    u.saving = u.saving.then(async () => {
      if (u.broken) return;
      try {
        await Promise.all(sends);
        await store.save(task.lease, delta, nextOffset);
      } catch (err) {
        u.broken = true;
        if (unsaved.get(key) === u) unsaved.delete(key);
        if (err instanceof FencedError && !owned.has(key)) {
          // Revoked in a rebalance and claimed by its new owner, who replays what was not saved here.
          logger.info("partition moved before its checkpoint; its new owner replays from the last one", { partition: key });
          return;
        }
        logger.error("checkpoint failed", { err, partition: key });
        failRun(err);
        return;
      }
      metrics.checkpoint.observe((performance.now() - started) / 1000);
      // A commit that does not land (a rebalance under way) only means more to skip after the next restart.
      await subscription?.commit([{ ...tp, offset: nextOffset }]).catch((err) => logger.debug("offset commit after a checkpoint did not land", { err, partition: key }));
    });
    return u.saving;
  }

  /** Drops every in-memory partition without saving (their state is restored from the backend). */
  function dropAll(): void {
    for (const u of unsaved.values()) {
      clearTimeout(u.timer);
      u.broken = true;
    }
    unsaved.clear();
    tasks.clear();
  }

  /** Checkpoints every partition (the subscription's drain, before the group is left). */
  async function checkpointAll(): Promise<void> {
    await Promise.all([...unsaved.keys()].map(checkpoint));
  }

  const taskFor = (tp: TopicPartition): Promise<PartitionTask> => {
    const key = partitionKey(tp);
    let task = tasks.get(key);
    if (!task) {
      task = options.restore(tp, options.rules(options.ruleSet()));
      // A failed restore must be retried by the next batch, not remembered.
      task.catch(() => tasks.delete(key));
      tasks.set(key, task);
    }
    return task;
  };

  async function onAssignment(assigned: TopicPartition[]): Promise<void> {
    const now = new Set(assigned.map(partitionKey));
    owned = now;
    for (const key of tasks.keys()) {
      if (now.has(key)) continue;
      // Its last batches are saved if that still lands before the new owner claims it; else the new owner replays them.
      const u = unsaved.get(key);
      void checkpoint(key).finally(() => unsaved.get(key) === u && unsaved.delete(key));
      tasks.delete(key);
    }
    for (const key of idleTimers.keys()) if (!now.has(key)) quiet(key);
    logger.info("partitions assigned", { partitions: [...now] });
    await Promise.all(assigned.map(taskFor));
    for (const tp of assigned) if (!idleTimers.has(partitionKey(tp))) arm(tp);
  }

  async function handle(batch: IncomingBatch): Promise<void> {
    const key = partitionKey(batch);
    quiet(key);
    inHand.add(key);
    try {
      await idling.get(key);
      await processBatch(batch);
    } finally {
      inHand.delete(key);
      arm(batch);
    }
  }

  const processBatch = (batch: IncomingBatch): Promise<void> =>
    inLinkedSpan("fluxgate.processor.batch", batch.records.map((r) => r.headers.traceparent), { "messaging.destination.name": batch.topic, "messaging.kafka.partition": batch.partition, "messaging.batch.message_count": batch.records.length }, () => processNow(batch));

  async function processNow(batch: IncomingBatch): Promise<void> {
    const started = performance.now();
    const key = partitionKey(batch);
    const task = await taskFor(batch);
    const current = options.ruleSet();
    if (task.rulesVersion !== current.version) {
      task.engine.setRules(options.rules(current));
      task.rulesVersion = current.version;
    }
    // Records come in offset order: only a batch that starts below the offset is filtered.
    const from = task.nextOffset;
    const fresh = from === null || BigInt(batch.records[0]!.offset) >= from ? batch.records : batch.records.filter((r) => BigInt(r.offset) >= from);
    metrics.skipped.inc(batch.records.length - fresh.length);
    if (fresh.length === 0) return;

    const step = options.step(task, fresh, batch);
    for (const f of step.out.failed) {
      logger.error("a rule failed on an event; sent to the DLQ", { rule: f.rule_id, event_id: f.event.event_id, error: f.error });
      step.invalid.push({ key: `${f.event.app_id}:${f.event.key ?? f.event.event_id}`, value: JSON.stringify(f.event), headers: { "fg-error": `rule ${f.rule_id}: ${f.error}` } });
    }
    const u = unsavedOf(key, task, batch);
    const sent = publish(task, step);
    // Observed at the checkpoint; a failure is reported there, not as an unhandled rejection here.
    sent.catch(() => {});
    u.sends.push(sent);
    u.unacked++;
    void sent.finally(() => u.unacked--).catch(() => {});
    u.dirty = true;
    if (performance.now() - u.flushedAt >= FLUSH_MS) {
      u.flushed = mergeDelta(u.flushed, options.flush(task));
      u.flushedAt = performance.now();
    }
    task.nextOffset = BigInt(batch.records[batch.records.length - 1]!.offset) + 1n;

    observe(batch, task, step);
    metrics.batch.observe((performance.now() - started) / 1000);
    // Publications in flight are bounded: past MAX_UNACKED batches not acked yet (Kafka slower than
    // the engine), the partition checkpoints and waits. Not per batch count: small batches acked
    // promptly never make the consumer wait.
    if (options.checkpointMs === 0 || u.unacked >= MAX_UNACKED) await checkpoint(key);
    else u.timer ??= setTimeout(() => void checkpoint(key), options.checkpointMs);
  }

  /** Publishes a batch's outputs; the sends start now, in batch order (one producer keeps a partition's order). */
  async function publish(task: PartitionTask, step: StepResult): Promise<void> {
    const pub = options.publisher();
    const { out } = step;
    const cause = causeFinder(step.causes);
    // No header but the trace context: the id is in the value, and each distinct header string
    // costs the publisher a buffer of its own (1.8% of the role's CPU with a window-id header).
    const windows = out.windows.map((w) => ({ key: `${w.rule_id}:${w.group_key}`, value: JSON.stringify(w), headers: traced({}, cause.window(w.window_start, w.window_end)) }));
    const late = out.late.map((l) => ({ key: `${l.rule_id}:${l.group_key}`, value: JSON.stringify(l), headers: traced({ "event-id": l.event.event_id }, cause.event(l.event.event_id)) }));
    for (const { alert } of out.alerts) {
      const traceparent = derivedTraceparent(cause.alert(alert), "fluxgate.processor.alert", { "fluxgate.rule_id": alert.rule_id, "fluxgate.alert_id": alert.id });
      if (traceparent) alert.traceparent = traceparent;
    }
    const emitter = createAlertEmitter({ publisher: pub, topic: topics.alerts, gate: task.gate });
    const sends: Promise<unknown>[] = [];
    // One send: a source's records reach each partition in order, its marker after its events.
    if (step.forward.length) sends.push(pub.send(topics.repartition, step.forward));
    if (windows.length) sends.push(pub.send(topics.windows, windows));
    if (late.length) sends.push(pub.send(topics.late, late));
    if (step.invalid.length) sends.push(pub.send(topics.dlq, step.invalid));
    if (out.alerts.length)
      sends.push(emitter.emit(out.alerts).then((verdicts) => verdicts.forEach((v) => metrics.alerts.inc({ verdict: v }))));
    await Promise.all(sends);
  }

  function observe(tp: TopicPartition, task: PartitionTask, step: StepResult): void {
    const partition = partitionKey(tp);
    const { out } = step;
    metrics.events.inc(step.applied);
    metrics.invalid.inc(step.invalid.length);
    metrics.windows.inc(out.windows.length);
    // One line per rule, key and bound per batch: a hot key evicts on every event.
    const evictions = Map.groupBy(out.evictions, (e) => JSON.stringify([e.rule_id, e.key, e.cause]));
    for (const [first, ...more] of evictions.values()) {
      const evicted = first!.count + more.reduce((n, e) => n + e.count, 0);
      metrics.evictions.inc({ rule: first!.rule_id, cause: first!.cause }, evicted);
      logger.warn("pattern state over its bound: oldest partial matches evicted", { partition, rule: first!.rule_id, key: first!.key, evicted, bound: first!.cause });
    }
    for (const l of out.late) metrics.late.inc({ rule: l.rule_id });
    const w = task.engine.watermark();
    if (w !== null) {
      metrics.watermark.set({ partition }, w / 1000);
      metrics.eventTimeLag.set({ partition }, (Date.now() - w) / 1000);
    }
    // Sizes cost a round trip to the backend: sampled, not per batch.
    const now = Date.now();
    if (now - (lastSizeAt.get(partition) ?? 0) < 10_000) return;
    lastSizeAt.set(partition, now);
    for (const [rule, keys] of Object.entries(task.engine.stats().keys)) metrics.stateKeys.set({ partition, rule }, keys);
    void store.size(tp).then((bytes) => metrics.stateBytes.set({ partition }, bytes), () => {});
  }

  return {
    async run() {
      while (!stopping) {
        const checkpointFailed = new Promise<never>((_, reject) => (failRun = reject));
        checkpointFailed.catch(() => {});
        try {
          subscription = await bus.subscribe(
            { groupId: options.groupId, topics: [options.topic], fromBeginning: true, onAssignment, commits: "explicit", drain: checkpointAll },
            handle,
          );
          if (stopping) await subscription.stop();
          await Promise.race([subscription.done, checkpointFailed]);
          return;
        } catch (err) {
          failRun = () => {};
          if (stopping) return;
          logger.error("processing failed; restoring partitions from the state backend and subscribing again", { err, topic: options.topic });
          dropAll();
          quietAll();
          await subscription?.stop().catch(() => {});
          await Bun.sleep(options.retryDelayMs ?? 1_000);
        }
      }
    },
    async stop() {
      stopping = true;
      quietAll();
      await subscription?.stop();
      quietAll();
      await Promise.all(idling.values());
    },
  };
}

/** Batches of one partition whose publications may be unacked at once before it checkpoints and waits for them. */
const MAX_UNACKED = 64;

const traced = (headers: Record<string, string>, traceparent: string | undefined): Record<string, string> =>
  traceparent ? { ...headers, traceparent } : headers;
