/** The Sink contract (sink.contract.ts) against every events sink on the real services: ClickHouse, Postgres, the archive on MinIO. */
import { archiveSinkFixture, clickHouseSinkFixture, postgresSinkFixture } from "../test/support/store/sink-fixtures.ts";
import { freshS3Store } from "../test/support/store/test-stores.ts";
import { sinkContract } from "./sink.contract.ts";

sinkContract("clickhouse", clickHouseSinkFixture);
sinkContract("postgres", postgresSinkFixture);
sinkContract("archive on s3 (MinIO)", async () => archiveSinkFixture(await freshS3Store()));
