/**
 * Numbers in the JSON text the CEP state saves by hand (heads, start groups): numberText
 * (schemas/json.ts, shared with window result ids). JSON.stringify itself formats them natively
 * and fast: an event's own text stays its JSON.stringify.
 */
import { numberText } from "../../schemas/json.ts";

export { numberText };

/** `numberText`, and null for null (the saved times that may be unset). */
export const nullableText = (x: number | null): string => (x === null ? "null" : numberText(x));
