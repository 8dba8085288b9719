/**
 * One owned partition: its lease on the state backend, its engine, the offset its state includes
 * and its alert gate; on fg.repartition also the merge of the source partitions' streams. Built
 * from the partition's checkpoint when the partition is assigned.
 */
import type { Logger } from "../../infra/telemetry/logger.ts";
import { createAlertGate, type AlertGate } from "../alerts/gate.ts";
import type { RuleSet } from "../../rules/set/rule-set.ts";
import { createPartitionEngine, type CepBounds, type PartitionEngine, type Records } from "../engine/index.ts";
import { isSeenIdRecord, restoreSeenIds, type SeenIds } from "../dedup/seen-ids.ts";
import { isMergeRecord, restoreMerge, type Merge } from "../repartition/merge.ts";
import type { Lease, PartitionRef, StateStore } from "../state/index.ts";
import { isThrottleRecord, savedThrottles } from "./throttle-records.ts";

export interface PartitionTask {
  lease: Lease;
  engine: PartitionEngine;
  /** First offset the state does not include; records below it are replays and are skipped. */
  nextOffset: bigint | null;
  /** Version of the rule set the engine runs. */
  rulesVersion: string;
  /** Dedup (in memory: sinks dedup replays by id) and throttle (checkpointed) of this partition's alerts. */
  gate: AlertGate;
  /** On fg.repartition: the merge of the source partitions (stage 2); null on fg.events. */
  merge: Merge | null;
  /** On fg.events: the event ids seen within the dedup horizon (stage 1); null on fg.repartition. */
  seen: SeenIds | null;
}

export interface RestoreOptions {
  store: StateStore;
  ruleSet: RuleSet;
  outOfOrdernessMs: number;
  logger: Logger;
  /** For a partition of fg.repartition: how many partitions fg.events has (the merge's sources). */
  sources?: number;
  /** For a partition of fg.events: how long (event time) and how many event ids it remembers. */
  dedup?: { horizonMs: number; maxIds: number };
  /** Bounds on pattern state (shared by every partition of the process). */
  cep?: CepBounds;
}

export async function restorePartition(partition: PartitionRef, options: RestoreOptions): Promise<PartitionTask> {
  const { lease, checkpoint } = await options.store.claim(partition);
  const where = { topic: partition.topic, partition: partition.partition };
  const engineRecords: Records = {};
  const mergeRecords: Records = {};
  const seenRecords: Records = {};
  const throttleRecords: Records = {};
  for (const [name, text] of Object.entries(checkpoint.records)) {
    const family = isMergeRecord(name) ? mergeRecords : isSeenIdRecord(name) ? seenRecords : isThrottleRecord(name) ? throttleRecords : engineRecords;
    family[name] = text;
  }
  const engine = createPartitionEngine({
    ruleSet: options.ruleSet,
    records: engineRecords,
    outOfOrdernessMs: options.outOfOrdernessMs,
    ...(options.cep && { cep: options.cep }),
    onDiscard: (rule, reason) => options.logger.warn("saved state not used; the rule starts afresh", { ...where, rule, reason }),
  });
  options.logger.info("partition restored", { ...where, nextOffset: checkpoint.nextOffset, records: Object.keys(checkpoint.records).length });
  return {
    lease,
    engine,
    nextOffset: checkpoint.nextOffset === null ? null : BigInt(checkpoint.nextOffset),
    rulesVersion: options.ruleSet.version,
    gate: createAlertGate({ throttles: savedThrottles(throttleRecords) }),
    merge: options.sources === undefined ? null : restoreMerge(options.sources, mergeRecords),
    seen: options.dedup === undefined ? null : restoreSeenIds({ ...options.dedup, outOfOrdernessMs: options.outOfOrdernessMs }, seenRecords),
  };
}
