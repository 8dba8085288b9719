/**
 * Maps a path inside a parsed rule document (as zod reports it) to a line and column of the file,
 * using the YAML parser's node ranges. JSON files go through the same parser (JSON is YAML), so
 * both formats get positions. A path into something absent (a missing field) lands on the
 * closest enclosing node that exists.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  column: number;
}

export function locate(doc: Document, counter: LineCounter, path: readonly (string | number)[], atKey = false): Position {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const step = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(step));
      if (!pair) break;
      const keyStart = rangeStart(pair.key);
      if (last && atKey && keyStart !== undefined) return toPosition(counter.linePos(keyStart));
      node = pair.value;
      offset = rangeStart(pair.value) ?? keyStart ?? offset;
    } else if (isSeq(node) && typeof step === "number") {
      const item = node.items[step];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(item) ?? offset;
    } else {
      break;
    }
  }
  return toPosition(counter.linePos(offset));
}

const toPosition = (p: { line: number; col: number }): Position => ({ line: p.line, column: p.col });

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}
