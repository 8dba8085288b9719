import { freshS3Store } from "../s3/test-stores.ts";
import { archiveRetentionContract } from "./archive-task.contract.ts";

archiveRetentionContract("s3 (MinIO)", freshS3Store);
