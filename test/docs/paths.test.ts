/**
 * Keeps README.md and docs/ true to the tree: every relative link and every repository path they
 * name in backticks must exist. Paths are recognised by their first segment being one of the
 * repository's top-level folders; templates (`<app>`, globs, `{a,b}`, `…`) are not paths.
 */
import { expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(import.meta.dir, "../..");
const topLevel = new Set(["gateway", "processor", "rules", "store", "schemas", "infra", "bench", "test", "docs", ".ci"]);
const documents = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

/** The paths a document names: relative link targets, and repository paths in backticks. */
function namedPaths(markdown: string): { links: string[]; paths: string[] } {
  const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!.split("#")[0]!)
    .filter((t) => t !== "" && !/^[a-z][a-z0-9+.-]*:/i.test(t));
  // Inline code, and the words of fenced code blocks (commands name files too).
  const fenced = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].flatMap((m) => m[1]!.split(/[\s"'=()]+/));
  const inline = [...markdown.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!);
  const paths = [...inline, ...fenced]
    .map((p) => p.replace(/:\d+(:\d+)?$/, "").replace(/[.,;]$/, ""))
    .filter((p) => topLevel.has(p.split("/")[0]!) && p.includes("/") && !/[<>*{}…$|]|\.\.\./.test(p));
  return { links, paths };
}

test("namedPaths finds links and repository paths, and leaves templates and URLs alone", () => {
  const found = namedPaths(
    "see [a](docs/x.md#h), [b](https://e.x/y), `store/sink.ts:12`, `events/app_id=<app>/`, `rules/*.yaml`, `bun test`\n```sh\nbun infra/app/main.ts rules test rules/a.yaml\n```\n",
  );
  expect(found).toEqual({ links: ["docs/x.md"], paths: ["store/sink.ts", "infra/app/main.ts", "rules/a.yaml"] });
});

for (const doc of documents) {
  test(`${doc}: every relative link and named repository path exists`, async () => {
    const text = await Bun.file(join(root, doc)).text();
    const { links, paths } = namedPaths(text);
    const missing = [
      ...links.filter((l) => !existsSync(resolve(root, dirname(doc), l))).map((l) => `link ${l}`),
      ...paths.filter((p) => !existsSync(join(root, p))).map((p) => `path ${p}`),
    ];
    expect(missing).toEqual([]);
  });
}
