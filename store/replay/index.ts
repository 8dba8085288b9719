/** Replay of archived events onto Kafka: the `fluxgate replay` command. */
export { runReplayCommand, type ReplayIo } from "./command.ts";
export { replayArchive, type ReplayOptions, type ReplayProgress } from "./replay.ts";
