/** Where a client puts its API key: X-API-Key, Authorization: Bearer, or (browsers' WebSockets) ?api_key=. */
export function apiKeyOf(headers: Headers, url?: URL): string | undefined {
  const header = headers.get("x-api-key");
  if (header) return header;
  const auth = headers.get("authorization");
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim();
  return url?.searchParams.get("api_key") ?? undefined;
}
