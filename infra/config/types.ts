/** Reusable zod types for FG_* variables: env values are strings, so numbers are coerced. */
import { z } from "zod";

export const port = z.coerce.number().int().min(1).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const nonNegativeInt = z.coerce.number().int().nonnegative();
export const url = (protocols: RegExp) => z.url({ protocol: protocols }).optional();
export const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
export const hostPortList = z
  .string()
  .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, "each entry must be host:port")).min(1));

/** A variable holding JSON, checked by `schema`; `example` is shown when the text is not JSON. */
export const json = <T extends z.ZodType>(schema: T, example: string) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: `must be JSON: ${example}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
