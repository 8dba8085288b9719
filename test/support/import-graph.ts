/**
 * The repository's import graph, read from the source text: every relative import, re-export and
 * dynamic import() between tracked .ts files, type-only imports included (a type is a dependency
 * too). test/architecture/imports.test.ts checks it against the layers docs/design.md draws.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface ImportEdge {
  from: string;
  to: string;
}

// Static imports and re-exports (`import ... from`, `export ... from`), side-effect imports and
// import("..."). Statements end at a semicolon, so the lazy match does not run into the next one.
const patterns = [
  /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
  /^\s*import\s*["']([^"']+)["']/gm,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/** Relative specifiers a file imports, resolved to repository paths (only those naming a .ts file). */
export function importsOf(path: string, text: string, root: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found = new Set<string>();
  for (const pattern of patterns) {
    for (const m of code.matchAll(pattern)) {
      const spec = m[1]!;
      if (!spec.startsWith(".") || !spec.endsWith(".ts")) continue;
      found.add(relative(root, resolve(root, dirname(path), spec)));
    }
  }
  return [...found];
}

export function readImportGraph(root: string, files: readonly string[]): ImportEdge[] {
  return files.flatMap((from) => importsOf(from, readFileSync(join(root, from), "utf8"), root).map((to) => ({ from, to })));
}

/** The cycles of a directed graph given as adjacency, each as the list of its nodes (Tarjan's strongly connected components). */
export function cycles(adjacency: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of adjacency.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || adjacency.get(v)?.has(v)) found.push(component.sort());
    }
  };
  for (const v of [...adjacency.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}
