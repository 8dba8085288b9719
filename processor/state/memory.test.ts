import { createMemoryStateStore } from "./memory.ts";
import { stateStoreContract } from "./state.contract.ts";

stateStoreContract("memory", async () => createMemoryStateStore());
