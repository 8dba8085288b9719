import { limiterContract } from "./limiter.contract.ts";
import { createMemoryLimiter } from "./memory.ts";

limiterContract("memory", async () => createMemoryLimiter());
