/**
 * A configuration the program cannot run with. The entry point prints its message alone and
 * exits 78 (EX_CONFIG); a role that finds a bad setting only at start-up throws it too.
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}
