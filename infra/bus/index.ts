/** Picks the bus adapter from configuration: Kafka when brokers are configured, else in-process. */
import type { SharedEnv } from "../config/shared.ts";
import { createKafkaBus } from "./kafka.ts";
import { createMemoryBus } from "./memory.ts";
import type { Bus } from "./port.ts";

export function createBus(env: SharedEnv): Bus {
  return env.FG_KAFKA_BROKERS
    ? createKafkaBus({ brokers: env.FG_KAFKA_BROKERS, clientId: env.FG_KAFKA_CLIENT_ID, sessionTimeoutMs: env.FG_KAFKA_SESSION_TIMEOUT_MS, producer: env.FG_KAFKA_PRODUCER, compression: env.FG_KAFKA_COMPRESSION })
    : createMemoryBus({ maxBytes: env.FG_BUS_MEMORY_MAX_BYTES });
}
