import { describe, expect, test } from "bun:test";
import { serviceReport } from "./services.ts";

describe("serviceReport", () => {
  test("nothing set is the embedded defaults, not a half-configured environment", () => {
    expect(serviceReport({}, ["gateway", "processor", "store", "alerts"])).toEqual({ set: [], missing: [] });
  });

  test("some set: names each unset service a role uses, with its fallback", () => {
    const report = serviceReport({ FG_KAFKA_BROKERS: ["127.0.0.1:9092"] }, ["processor"]);
    expect(report.set).toEqual(["FG_KAFKA_BROKERS"]);
    expect(report.missing.map((m) => m.name)).toEqual(["FG_REDIS_URL"]);
    expect(report.missing[0]!.fallback).toContain("in-memory");
  });

  test("only the services of the roles that run count", () => {
    expect(serviceReport({ FG_KAFKA_BROKERS: ["k:1"], FG_REDIS_URL: "redis://r" }, ["processor"]).missing).toEqual([]);
    expect(serviceReport({ FG_KAFKA_BROKERS: ["k:1"], FG_REDIS_URL: "redis://r" }, ["store"]).missing.map((m) => m.name))
      .toEqual(["FG_POSTGRES_URL", "FG_CLICKHOUSE_URL", "FG_S3_ENDPOINT"]);
  });
});
