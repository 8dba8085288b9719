/** The Sink contract (sink.contract.ts) against the embedded default's events sink: the archive on the local filesystem. */
import { archiveSinkFixture } from "../test/support/store/sink-fixtures.ts";
import { freshFsStore } from "../test/support/store/test-stores.ts";
import { sinkContract } from "./sink.contract.ts";

sinkContract("archive on the filesystem (embedded)", async () => archiveSinkFixture(await freshFsStore()));
