/** State backends for the processor; Redis when FG_REDIS_URL is set, else memory. */
export { createMemoryStateStore } from "./memory.ts";
export { FencedError, type Checkpoint, type Lease, type PartitionRef, type StateStore } from "./port.ts";
export { createRedisStateStore, type RedisStateOptions } from "./redis.ts";
