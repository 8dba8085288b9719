/** The processor's settings (FG_PROCESSOR_*), merged into the one schema in infra/config. */
import { z } from "zod";

export const processorEnv = {
  FG_PROCESSOR_GROUP: z.string().default("fluxgate-processor").describe("Kafka consumer group of the processor"),
};
