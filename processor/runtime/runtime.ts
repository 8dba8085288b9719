/**
 * The processor runtime: two consumer loops (stage.ts) in one process, sharing the publisher and
 * the state backend.
 *   Stage 1 consumes fg.events in the processor's group: each partition's engine runs the LOCAL
 *   rules (grouped by the partition key) and forwards the events of the REPARTITIONED rules to
 *   fg.repartition, keyed by rule and group, with the partition's watermark (events-step.ts).
 *   Stage 2 consumes fg.repartition in its own group (`<group>.repartition`): per partition, a
 *   merge orders the sources' events deterministically and an engine runs the repartitioned rules
 *   (repartition-step.ts). Its checkpoints live under the fg.repartition partitions' names.
 * Both publish, checkpoint and commit alike, so both recover exactly (see stage.ts): a partition
 * checkpoints every `checkpointMs` (default DEFAULT_CHECKPOINT_MS, 1 s) of processing time, not
 * after every batch, and the bus commits only checkpointed offsets.
 */
import { ConfigError } from "../../infra/config/error.ts";
import type { Bus, Publisher, TopicPartition } from "../../infra/bus/port.ts";
import type { Topics } from "../../infra/bus/topics.ts";
import type { Logger } from "../../infra/telemetry/logger.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import { markerKeys } from "../repartition/marker-keys.ts";
import { localRules, repartitionedRules } from "../repartition/placement.ts";
import type { CepBounds } from "../engine/index.ts";
import type { StateStore } from "../state/index.ts";
import { DEFAULT_CHECKPOINT_MS } from "./cadence.ts";
import { createEventsStep } from "./events-step.ts";
import { restorePartition } from "./partition.ts";
import { repartitionFlush, repartitionStep } from "./repartition-step.ts";
import { createStage, type Stage } from "./stage.ts";

export interface RuntimeOptions {
  bus: Bus;
  topics: Topics;
  groupId: string;
  store: StateStore;
  logger: Logger;
  outOfOrdernessMs: number;
  /** Partitions of fg.events: stage 2 waits for a watermark from each. Default 4. */
  eventPartitions?: number;
  /** Partitions of fg.repartition (created with this many if missing). Default 4. */
  repartitionPartitions?: number;
  /** Pause before subscribing again after the subscription failed. */
  retryDelayMs?: number;
  /**
   * Processing time between a partition's checkpoints (FG_PROCESSOR_CHECKPOINT_MS). Default 1000;
   * 0 checkpoints after every batch. What a crash replays is at most this much input (stage.ts).
   */
  checkpointMs?: number;
  /** Processing time without a batch after which an owned fg.events partition is declared idle to stage 2. Default 2000. */
  idleMs?: number;
  /** Event time during which an fg.events partition remembers an app's event_id to skip resends. Default 600000. */
  dedupHorizonMs?: number;
  /** Most event ids an fg.events partition remembers. Default 100000. */
  dedupMaxIds?: number;
  /** Bounds on pattern state, one budget for every partition; default processor/cep's. */
  cep?: CepBounds;
}

export interface ProcessorRuntime {
  /** The rule set to run; partitions switch to it at their next batch. */
  setRules(ruleSet: RuleSet): void;
  /** Subscribes once a rule set is known (events must never be checkpointed past without rules). */
  start(): Promise<void>;
  /** Lets the batches in hand finish (published, saved, committed), then leaves the groups. */
  stop(): Promise<void>;
}

export const repartitionGroup = (groupId: string): string => `${groupId}.repartition`;

export function createProcessorRuntime(options: RuntimeOptions): ProcessorRuntime {
  const { bus, topics, store, logger, outOfOrdernessMs } = options;
  const eventPartitions = options.eventPartitions ?? 4;
  const repartitionPartitions = options.repartitionPartitions ?? 4;
  let ruleSet: RuleSet | null = null;
  let rulesReady!: () => void;
  const rulesKnown = new Promise<void>((resolve) => (rulesReady = resolve));
  let publisher: Publisher | undefined;
  let stopping = false;
  let running: Promise<unknown> | undefined;

  const shared = {
    bus,
    topics,
    store,
    publisher: () => publisher as Publisher,
    ruleSet: () => ruleSet as RuleSet,
    retryDelayMs: options.retryDelayMs,
    checkpointMs: options.checkpointMs ?? DEFAULT_CHECKPOINT_MS,
  };
  const dedup = { horizonMs: options.dedupHorizonMs ?? 600_000, maxIds: options.dedupMaxIds ?? 100_000 };
  const restore = (stage: { sources: number } | { dedup: typeof dedup }) => (tp: TopicPartition, rules: RuleSet) =>
    restorePartition(tp, { store, ruleSet: rules, outOfOrdernessMs, logger, ...(options.cep && { cep: options.cep }), ...stage });
  const idleMs = options.idleMs ?? 2_000;
  const events = createEventsStep({ ruleSet: shared.ruleSet, outOfOrdernessMs, markerKeys: markerKeys(bus.kind, repartitionPartitions), idleMs });
  const stages: Stage[] = [
    createStage({
      ...shared,
      topic: topics.events,
      groupId: options.groupId,
      logger,
      rules: localRules,
      restore: restore({ dedup }),
      step: events.step,
      flush: events.flush,
      idle: { ms: idleMs, records: events.idle },
    }),
    createStage({
      ...shared,
      topic: topics.repartition,
      groupId: repartitionGroup(options.groupId),
      logger: logger.child({ stage: "repartition" }),
      rules: repartitionedRules,
      restore: restore({ sources: eventPartitions }),
      step: repartitionStep,
      flush: repartitionFlush,
    }),
  ];

  return {
    setRules(next) {
      ruleSet = next;
      rulesReady();
    },
    async start() {
      publisher = await bus.publisher();
      const partitions = await bus.ensureTopics([
        { name: topics.events, partitions: eventPartitions },
        { name: topics.windows, partitions: 4 },
        { name: topics.alerts, partitions: 4 },
        { name: topics.dlq, partitions: 4 },
        { name: topics.late, partitions: 4 },
        { name: topics.repartition, partitions: repartitionPartitions },
      ]);
      // Stage 2 waits for a watermark from each events partition and places a marker on each
      // repartition partition: counts that differ from the topics' would stall it or make results depend on timing.
      for (const [topic, configured, variable] of [
        [topics.events, eventPartitions, "FG_PROCESSOR_EVENT_PARTITIONS"],
        [topics.repartition, repartitionPartitions, "FG_PROCESSOR_REPARTITION_PARTITIONS"],
      ] as const) {
        if (partitions[topic] !== configured) throw new ConfigError(`${variable} is ${configured}, but ${topic} has ${partitions[topic]} partitions: set it to ${partitions[topic]}`);
      }
      running = rulesKnown.then(() => (stopping ? undefined : Promise.all(stages.map((s) => s.run()))));
      running.catch((err) => logger.error("processor stopped consuming", { err }));
    },
    async stop() {
      stopping = true;
      rulesReady();
      await Promise.all(stages.map((s) => s.stop()));
      await running?.catch(() => {});
      await publisher?.close();
    },
  };
}
