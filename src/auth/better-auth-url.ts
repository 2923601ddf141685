// What Better Auth makes of its base URL (BETTER_AUTH_URL / `baseURL`), computed the way Better Auth
// 1.x computes it (better-auth/dist/utils/url.mjs `getBaseURL`/`withPath`, context/create-context.mjs):
//
// - The jwt plugin's `iss` and `aud` are the URL's *origin*: `new URL(url).origin`, so a trailing slash,
//   a path, an upper-case host and a default port (`:443` on https) are all dropped.
// - Its endpoints live under the URL's path when it has one (`https://example.com/auth` → /auth/jwks),
//   else under the default base path /api/auth.

/** The `iss`/`aud` Better Auth writes into its tokens for this base URL. */
export function betterAuthOrigin(url: string): string {
  return new URL(url).origin;
}

/** The JWKS endpoint of the Better Auth server at this base URL (default base path /api/auth). */
export function betterAuthJwksUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  const hasPath = new URL(url).pathname.replace(/\/+$/, '') !== '';
  return `${hasPath ? trimmed : `${trimmed}/api/auth`}/jwks`;
}
