/**
 * The payload schemas of each event type, by version. A new version may add optional fields or
 * relax rules; an event is valid when it matches any version of its type (clients upgrade at
 * their own pace), and errors are reported against the newest one.
 */
import { z } from "zod";

const url = z.string().min(1).max(2048);
const money = z.number().nonnegative().max(1e12);
const currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");
const id = z.string().min(1).max(256);

// Loose objects: declared fields are checked, other props pass through (apps add their own).
export const eventTypes = {
  page_view: [
    z.looseObject({ path: z.string().min(1).max(2048), title: z.string().max(1024).optional() }),
    z.looseObject({ url, path: z.string().max(2048).optional(), referrer: url.optional(), duration_ms: z.number().int().nonnegative().optional() }),
  ],
  session_start: [z.looseObject({ platform: z.enum(["web", "ios", "android", "desktop", "other"]).optional() })],
  signup: [z.looseObject({ plan: z.string().min(1).max(64).optional() })],
  checkout_completed: [
    z.looseObject({ amount: money, currency: currency.optional(), order_id: id.optional() }),
    z.looseObject({
      amount: money, currency: currency.optional(), order_id: id.optional(),
      items: z.array(z.looseObject({ product_id: id, quantity: z.number().int().positive(), price: money })).max(1000).optional(),
    }),
  ],
  payment_failed: [z.looseObject({ amount: money, currency: currency.optional(), reason: z.string().max(256).optional() })],
  error_raised: [
    z.looseObject({ message: z.string().min(1).max(8192), code: z.string().max(128).optional(), level: z.enum(["warning", "error", "fatal"]).optional() }),
    // v2 takes the level as the app's logger names it (debug, warn, ...): rules filter on it by value.
    z.looseObject({ message: z.string().min(1).max(8192), code: z.string().max(128).optional(), level: z.string().min(1).max(32).optional() }),
  ],
} satisfies Record<string, z.ZodObject[]>;

export type EventType = keyof typeof eventTypes;
