/** The store's settings (FG_STORE_*), merged into the one schema in infra/config. */
import { z } from "zod";
import { retentionEnv } from "./retention/config.ts";
import { archiveEnv } from "./s3/config.ts";

export const storeEnv = {
  ...archiveEnv,
  ...retentionEnv,
  FG_STORE_GROUP_PREFIX: z.string().default("fluxgate-store").describe("Each sink consumes in group <prefix>-<sink>"),
};
