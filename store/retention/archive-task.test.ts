import { freshFsStore } from "../../test/support/store/test-stores.ts";
import { archiveRetentionContract } from "./archive-task.contract.ts";

archiveRetentionContract("filesystem", freshFsStore);
