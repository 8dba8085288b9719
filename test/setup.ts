/**
 * Preloaded by bun test (bunfig.toml). Tests run with the service addresses that `bash infra/test`
 * exports; quiet logs keep failures readable.
 */
process.env.FG_LOG_LEVEL ??= "error";
