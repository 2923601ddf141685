// Conditional requests (RFC 9110 §13), the HTTP side: entity tags and the If-Match / If-None-Match
// headers read into plain values. A versioned resource's tag is its version counter, `"<version>"`
// (strong); a list page has a weak tag over its items. If-Match becomes the versions a write is
// allowed at: the service makes the check part of the write's own statement and says why a write
// touched no row (src/tasks/task.service.ts).
//
// Header syntax is checked by the contract (openapi.yaml, IfMatch/IfNoneMatch → 422); here the
// values are only read.
import { createHash } from 'node:crypto';

const ENTITY_TAG = /(W\/)?"([^"]*)"/g;
const MAX_VERSION = 2 ** 31 - 1;

export const versionEtag = (version: number): string => `"${version}"`;

/** A weak tag over a list page: its items' ids and versions, in order, and whether more follow. */
export function pageEtag(items: readonly { id: string; version: number }[], more: boolean): string {
  // One string hashed in one call: a hash update per item cost more than the hashing itself.
  let text = '';
  for (const item of items) text += `${item.id}:${item.version};`;
  text += more ? 'more' : 'end';
  return `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/**
 * The versions an If-Match header allows, or undefined when the write is unconditional (no header,
 * or `*`, which only asks that the resource exist: a write to a missing one is a 404 anyway).
 * Strong comparison: weak tags and tags that are not a version match nothing (an empty list).
 */
export function ifMatchVersions(header: string | undefined): number[] | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const [, weak, value] of header.matchAll(ENTITY_TAG)) {
    // A version is a PostgreSQL integer: a larger number is a tag nothing can have.
    if (!weak && value !== undefined && /^[1-9]\d{0,9}$/.test(value) && Number(value) <= MAX_VERSION) versions.push(Number(value));
  }
  return versions;
}

/** Whether an If-None-Match header matches `etag` (weak comparison, `*` matches anything that exists). */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const [, , value] of header.matchAll(ENTITY_TAG)) if (`"${value}"` === opaque) return true;
  return false;
}
