import { freshS3Store } from "../../test/support/store/test-stores.ts";
import { archiveRetentionContract } from "./archive-task.contract.ts";

archiveRetentionContract("s3 (MinIO)", freshS3Store);
