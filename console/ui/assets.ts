/**
 * The page's files: index.html and style.css as they are in this folder (with uPlot's stylesheet
 * in front), and app.ts bundled by Bun's bundler the first time it is asked for, then kept in
 * memory, so there is no build step before `fluxgate` starts.
 */
import { readFileSync } from "node:fs";

export interface ConsoleAssets {
  html: string;
  css: string;
  script(): Promise<string>;
}

const here = (name: string) => new URL(name, import.meta.url).pathname;

export function consoleAssets(): ConsoleAssets {
  let bundle: Promise<string> | undefined;
  return {
    html: readFileSync(here("./index.html"), "utf8"),
    css: readFileSync(Bun.resolveSync("uplot/dist/uPlot.min.css", here(".")), "utf8") + readFileSync(here("./style.css"), "utf8"),
    script() {
      bundle ??= Bun.build({ entrypoints: [here("./app.ts")], target: "browser", minify: true }).then(async (out) => {
        if (!out.success || !out.outputs[0]) throw new Error(`console bundle failed: ${out.logs.map(String).join("\n")}`);
        return out.outputs[0].text();
      });
      // A failed build is retried on the next request rather than cached.
      return bundle.catch((e) => {
        bundle = undefined;
        throw e;
      });
    },
  };
}
