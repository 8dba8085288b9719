/**
 * The end-to-end scenario of bench/run on its own (gateway, processor and store as separate
 * processes, HTTP single events at 2,000/s for 90 s, or 500/s for 20 s with --quick): prints
 * accept -> row in ClickHouse and accept -> alert percentiles, the max consumer lag per group and
 * each role's CPU, as JSON. For iterating on the pipeline's latency without the whole run.
 *
 *   FG_K6=<k6 binary> bun bench/end-to-end.ts [--quick]
 * Needs the services' FG_* variables (bash infra/local/stack env); take figures under
 * `flock /tmp/fg-bench.lock`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../test/support/free-port.ts";
import { createApiKey } from "./harness/api-key.ts";
import { runEndToEnd } from "./harness/end-to-end.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const logs = join(".fluxgate", "logs", `e2e-${stamp}`);
mkdirSync(logs, { recursive: true });
const run = `bench-e2e-${stamp}`.toLowerCase();
const port = freePort();
const gatewayEnv = {
  FG_TOPIC_PREFIX: `${run}.`, FG_GATEWAY_PORT: String(port), FG_GRPC_PORT: String(freePort()), FG_DATA_DIR: join(".fluxgate", `e2e-data-${stamp}`),
  FG_LOG_LEVEL: "warn", FG_RATE_LIMIT_APP_RATE: "10000000", FG_RATE_LIMIT_APP_BURST: "10000000", FG_RATE_LIMIT_KEY_RATE: "10000000", FG_RATE_LIMIT_KEY_BURST: "10000000",
};
const say = (msg: string) => console.error(`[e2e ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const apiKey = await createApiKey("bench", gatewayEnv);
const result = await runEndToEnd({ run, quick: values.quick, logs, gatewayEnv, gatewayUrl: `http://127.0.0.1:${port}`, apiKey, say });
const { tracers: _, series, ...summary } = result;
console.log(JSON.stringify({ ...summary, seconds_of_series: series.length, logs }, null, 1));
