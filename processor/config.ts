/** The processor's settings (FG_PROCESSOR_*), merged into the one schema in infra/config. */
import { z } from "zod";
import type { SharedEnv } from "../infra/config/shared.ts";
import type { RulesSettings } from "../rules/config.ts";
import { CEP_DEFAULTS } from "./cep/budget.ts";
import { DEFAULT_CHECKPOINT_MS } from "./runtime/cadence.ts";

export const processorEnv = {
  FG_PROCESSOR_GROUP: z.string().default("fluxgate-processor").describe("Kafka consumer group of the processor"),
  FG_PROCESSOR_OUT_OF_ORDERNESS_MS: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("How far behind its partition's highest event time an event may arrive and still be on time for its windows"),
  FG_PROCESSOR_EVENT_PARTITIONS: z.coerce
    .number()
    .int()
    .positive()
    .default(4)
    .describe("Partitions of fg.events. Rules grouped other than by key run after a repartition that waits for a watermark from each of them: it must match the topic (checked at start)"),
  FG_PROCESSOR_REPARTITION_PARTITIONS: z.coerce
    .number()
    .int()
    .positive()
    .default(4)
    .describe("Partitions of the internal topic fg.repartition (created so if missing; must match it if it exists, checked at start): how far stage 2 spreads over processors"),
  FG_PROCESSOR_CHECKPOINT_MS: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(DEFAULT_CHECKPOINT_MS)
    .describe(
      "Processing time between a partition's checkpoints (its state and offset saved to Redis in one atomic step, then the offset committed to Kafka); 0 checkpoints after every batch. A crash replays up to this much input, whose outputs are re-published under the same ids",
    ),
  FG_PROCESSOR_IDLE_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(2_000)
    .describe(
      "Processing time an fg.events partition may go without a batch (or without an event of one app) before stage 2 stops waiting for its watermark (for that app's) (Flink's withIdleness). Events it sends later behind the others' progress are late",
    ),
  FG_PROCESSOR_DEDUP_HORIZON_MS: z.coerce
    .number()
    .int()
    .nonnegative()
    .default(600_000)
    .describe(
      "Event time during which an fg.events partition remembers an app's event_id: a resent event (same app and event_id) is skipped until the partition's watermark passes its event time plus this",
    ),
  FG_PROCESSOR_DEDUP_MAX_IDS: z.coerce
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe("Most event_ids an fg.events partition remembers for dedup; beyond it the oldest are forgotten (processor_dedup_ids_evicted_total)"),
  FG_PROCESSOR_CEP_MAX_PARTIAL_MATCHES: z.coerce
    .number()
    .int()
    .positive()
    .default(CEP_DEFAULTS.maxPartialMatches)
    .describe(
      "Per pattern rule and group key, the most partial matches (plus matches held by a skip strategy) kept; beyond it the oldest are evicted (processor_cep_evictions_total, a log line, and partial_matches_evicted on the alerts it affects). A rule's max_partial_matches may set a lower bound",
    ),
  FG_PROCESSOR_CEP_MAX_EVENTS: z.coerce
    .number()
    .int()
    .positive()
    .default(CEP_DEFAULTS.maxEvents)
    .describe("Per pattern rule and group key, the most events buffered for partial matches; beyond it the oldest partial matches are evicted, as above"),
  FG_PROCESSOR_CEP_STATE_BUDGET_MB: z.coerce
    .number()
    .positive()
    .default(CEP_DEFAULTS.budgetBytes / (1024 * 1024))
    .describe(
      "Pattern state of the whole process (buffered events and partial matches, measured as their saved size), in MiB; over it, the key being processed evicts its oldest partial matches, as above",
    ),
  FG_PROCESSOR_STATE_PREFIX: z
    .string()
    .regex(/^fg:[A-Za-z0-9:_.-]*$/, "must start with fg:")
    .optional()
    .describe("Prefix of the processor's Redis keys; default fg:processor:<group>:. Set it to keep a deployment's state when its consumer group is renamed"),
};

const processorEnvSchema = z.object(processorEnv);
/** What the processor reads: the shared settings, its own, and where its rules come from. */
export type ProcessorEnv = SharedEnv & z.output<typeof processorEnvSchema> & RulesSettings;

export const statePrefix = (env: { FG_PROCESSOR_GROUP: string; FG_PROCESSOR_STATE_PREFIX?: string | undefined }): string =>
  env.FG_PROCESSOR_STATE_PREFIX ?? `fg:processor:${env.FG_PROCESSOR_GROUP}:`;
