import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../config/error.ts";
import { loadConfig } from "./load.ts";

test("no variables: embedded defaults everywhere", () => {
  const env = loadConfig({});
  expect(env.FG_KAFKA_BROKERS).toBeUndefined();
  expect(env.FG_REDIS_URL).toBeUndefined();
  expect(env.FG_GATEWAY_PORT).toBe(8080);
});

test("values are parsed into their types", () => {
  const env = loadConfig({ FG_KAFKA_BROKERS: "a:1, b:2", FG_GATEWAY_PORT: "9000", FG_OTEL_ENABLED: "1" });
  expect(env.FG_KAFKA_BROKERS).toEqual(["a:1", "b:2"]);
  expect(env.FG_GATEWAY_PORT).toBe(9000);
  expect(env.FG_OTEL_ENABLED).toBe(true);
});

test("every bad variable is named with what is wrong and what was given", () => {
  let err: unknown;
  try {
    loadConfig({ FG_GATEWAY_PORT: "99999", FG_KAFKA_BROKERS: "nohost", FG_REDIS_URL: "http://x" });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const msg = (err as Error).message;
  expect(msg).toContain('FG_GATEWAY_PORT: ');
  expect(msg).toContain('(got "99999")');
  expect(msg).toContain("FG_KAFKA_BROKERS: each entry must be host:port");
  expect(msg).toContain("FG_REDIS_URL: ");
});

test("cross-field rules: an S3 endpoint needs credentials", () => {
  expect(() => loadConfig({ FG_S3_ENDPOINT: "http://127.0.0.1:9000" })).toThrow("FG_S3_ACCESS_KEY: required when FG_S3_ENDPOINT is set");
});

test("a config file supplies values; the environment overrides it", () => {
  const dir = mkdtempSync(join(tmpdir(), "fg-config-"));
  const file = join(dir, "fluxgate.yaml");
  writeFileSync(file, "FG_GATEWAY_PORT: 7000\nFG_GRPC_PORT: 7001\n");
  expect(loadConfig({ FG_CONFIG_FILE: file }).FG_GATEWAY_PORT).toBe(7000);
  expect(loadConfig({ FG_CONFIG_FILE: file, FG_GATEWAY_PORT: "7100" }).FG_GATEWAY_PORT).toBe(7100);
  expect(() => loadConfig({ FG_CONFIG_FILE: join(dir, "missing.yaml") })).toThrow("FG_CONFIG_FILE: cannot read");
});
