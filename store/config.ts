/** The store's settings (FG_STORE_*), merged into the one schema in infra/config. */
import { z } from "zod";

export const storeEnv = {
  FG_STORE_GROUP_PREFIX: z.string().default("fluxgate-store").describe("Each sink consumes in group <prefix>-<sink>"),
};
