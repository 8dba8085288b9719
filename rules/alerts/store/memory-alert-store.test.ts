import { alertStoreContract } from "./alert-store.contract.ts";
import { createMemoryAlertStore } from "./memory-alert-store.ts";

alertStoreContract("memory", async () => createMemoryAlertStore());
