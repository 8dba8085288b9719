/**
 * `fluxgate processor`: the runtime over the configured bus, with state in Redis when
 * FG_REDIS_URL is set (else in memory) and rules from FG_RULES_DIR (watched) or else from the
 * rule store's compacted topic. Stop drains: the batch in hand is published, saved and committed.
 */
import type { Role, RoleContext } from "../infra/role.ts";
import type { RuleSetStatus } from "../schemas/status.ts";
import { rulesTopic } from "../rules/config.ts";
import type { RuleSource } from "../rules/set/holder.ts";
import { createDirectoryRuleSource } from "../rules/sources/directory.ts";
import { createTopicRuleSource } from "../rules/sources/topic.ts";
import { createStateBudget } from "./cep/index.ts";
import { type ProcessorEnv, statePrefix } from "./config.ts";
import { createProcessorRuntime, type ProcessorRuntime } from "./runtime/index.ts";
import { createMemoryStateStore, createRedisStateStore, type StateStore } from "./state/index.ts";

export function createProcessorRole(ctx: RoleContext<ProcessorEnv>): Role {
  const { env, bus, topics } = ctx;
  const logger = ctx.logger.child({ role: "processor" });
  let store: StateStore | undefined;
  let source: RuleSource | undefined;
  let runtime: ProcessorRuntime | undefined;
  let unsubscribe: (() => void) | undefined;
  let running: RuleSetStatus["rules"] = [];
  return {
    name: "processor",
    async start() {
      const group = env.FG_PROCESSOR_GROUP;
      store = env.FG_REDIS_URL
        ? await createRedisStateStore({ url: env.FG_REDIS_URL, keyPrefix: statePrefix(env), onError: (err) => logger.warn("state backend (Redis) connection trouble; reconnecting", { err }) })
        : createMemoryStateStore();
      source = env.FG_RULES_DIR
        ? createDirectoryRuleSource({ path: env.FG_RULES_DIR, debounceMs: env.FG_RULES_RELOAD_DEBOUNCE_MS, logger })
        : createTopicRuleSource({ bus, topic: rulesTopic(env.FG_TOPIC_PREFIX), logger });
      runtime = createProcessorRuntime({
        bus,
        topics,
        groupId: group,
        store,
        logger,
        outOfOrdernessMs: env.FG_PROCESSOR_OUT_OF_ORDERNESS_MS,
        eventPartitions: env.FG_PROCESSOR_EVENT_PARTITIONS,
        repartitionPartitions: env.FG_PROCESSOR_REPARTITION_PARTITIONS,
        idleMs: env.FG_PROCESSOR_IDLE_MS,
        checkpointMs: env.FG_PROCESSOR_CHECKPOINT_MS,
        dedupHorizonMs: env.FG_PROCESSOR_DEDUP_HORIZON_MS,
        dedupMaxIds: env.FG_PROCESSOR_DEDUP_MAX_IDS,
        cep: {
          limits: { maxPartialMatches: env.FG_PROCESSOR_CEP_MAX_PARTIAL_MATCHES, maxEvents: env.FG_PROCESSOR_CEP_MAX_EVENTS },
          budget: createStateBudget(env.FG_PROCESSOR_CEP_STATE_BUDGET_MB * 1024 * 1024),
        },
      });
      const r = runtime;
      unsubscribe = source.onRuleSet((set) => {
        logger.info("running rule set", { version: set.version, rules: set.rules.length });
        r.setRules(set);
        running = set.rules.map((x) => ({ id: x.id, version: x.version, app: x.app, kind: x.kind, enabled: x.enabled }));
      });
      await runtime.start();
      await source.start();
      logger.info("processor started", { group, state: env.FG_REDIS_URL ? "redis" : "memory", rules: env.FG_RULES_DIR ?? rulesTopic(env.FG_TOPIC_PREFIX) });
    },
    status: () => ({ rules: { ...(source?.status() ?? { state: "starting", running: null, latest: null, problems: [] }), rules: running } }),
    async stop() {
      unsubscribe?.();
      await source?.stop();
      await runtime?.stop();
      await store?.close();
    },
  };
}
