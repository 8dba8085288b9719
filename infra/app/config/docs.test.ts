import { expect, test } from "bun:test";
import { renderConfigDocs } from "./docs.ts";

test("docs/configuration.md is what the schema says (regenerate: bun infra/app/config/docs.ts > docs/configuration.md)", async () => {
  const onDisk = await Bun.file(new URL("../../../docs/configuration.md", import.meta.url)).text();
  expect(onDisk).toBe(renderConfigDocs());
});
