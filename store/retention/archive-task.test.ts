import { freshFsStore } from "../s3/test-stores.ts";
import { archiveRetentionContract } from "./archive-task.contract.ts";

archiveRetentionContract("filesystem", freshFsStore);
