import { requireEnv } from "../../test/support/services.ts";
import { busContract } from "./bus.contract.ts";
import { createKafkaBus } from "./kafka.ts";

busContract("kafka", () => createKafkaBus({ brokers: requireEnv("FG_KAFKA_BROKERS").split(","), clientId: "fluxgate-test" }));
