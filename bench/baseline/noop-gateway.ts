/**
 * The gateway with its Kafka path replaced by a no-op: the real role (auth, limits, schema
 * checks, enrichment, HTTP) on a bus whose sends succeed at once. Read against the bare server
 * it is the gateway's own cost; against the gateway on Kafka, the cost of the durable ack.
 *   bun bench/baseline/noop-gateway.ts   (FG_* variables as for `fluxgate gateway`)
 */
import { createGatewayRole } from "../../gateway/role.ts";
import type { Bus } from "../../infra/bus/port.ts";
import { topicNames } from "../../infra/bus/topics.ts";
import { loadConfig } from "../../infra/app/config/load.ts";
import { createLogger } from "../../infra/telemetry/logger.ts";

const discard: Bus = {
  kind: "memory",
  publisher: async () => ({ send: async () => {}, isReady: () => true, close: async () => {} }),
  // The live alert feed follows fg.alerts: on this bus nothing ever arrives there.
  subscribe: async () => {
    const { promise: done, resolve } = Promise.withResolvers<void>();
    return { stop: async () => resolve(), commit: async () => {}, done };
  },
  ensureTopics: async (specs) => Object.fromEntries(specs.map((s) => [s.name, s.partitions])),
  lag: async () => [],
  close: async () => {},
};

const env = loadConfig();
const role = createGatewayRole({ env, bus: discard, topics: topicNames(env.FG_TOPIC_PREFIX), logger: createLogger(env.FG_LOG_LEVEL, { role: "noop-gateway" }) });
await role.start();
const stop = () => void role.stop().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
