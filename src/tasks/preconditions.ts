// Conditional requests (RFC 9110 §13) on tasks. A task's entity tag is its version counter,
// `"<version>"` (strong). If-Match turns a write into "only if the task is still at one of these
// versions": the repository adds `AND version IN (…)` to the owner-filtered UPDATE/DELETE, so the
// check and the write are one statement and concurrent writers cannot both pass. When the
// statement touches no row, notWritten() tells a missing task (404, also another user's) from a
// changed one (412 with the current ETag). If-None-Match on reads answers 304.
//
// Header syntax is checked by the contract (openapi.yaml, IfMatch/IfNoneMatch → 422); here the
// values are only read.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Subject } from '../auth/subject.js';
import { ApiError, taskNotFound } from '../errors.js';
import { findTask, type Task } from './task.repository.js';

const ENTITY_TAG = /(W\/)?"([^"]*)"/g;
const MAX_VERSION = 2 ** 31 - 1;

export const etagOf = (task: Pick<Task, 'version'>): string => `"${task.version}"`;

/** A weak tag over a list page: its tasks' ids and versions, in order, and whether more follow. */
export function pageEtagOf(tasks: readonly Pick<Task, 'id' | 'version'>[], more: boolean): string {
  // One string hashed in one call: a hash update per task cost more than the hashing itself.
  let text = '';
  for (const task of tasks) text += `${task.id}:${task.version};`;
  text += more ? 'more' : 'end';
  return `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

/**
 * The versions If-Match allows, or undefined when the write is unconditional (no header, or `*`,
 * which only asks that the task exist: a write to a missing task is a 404 anyway). Strong
 * comparison: weak tags and tags that are not a version match nothing (an empty list).
 */
export function ifMatchVersions(request: FastifyRequest): number[] | undefined {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const [, weak, value] of header.matchAll(ENTITY_TAG)) {
    // A version is a PostgreSQL integer: a larger number is a tag no task can have.
    if (!weak && value !== undefined && /^[1-9]\d{0,9}$/.test(value) && Number(value) <= MAX_VERSION) versions.push(Number(value));
  }
  return versions;
}

/** Whether If-None-Match matches `etag` (weak comparison, `*` matches anything that exists). */
export function noneMatchHits(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  for (const [, , value] of header.matchAll(ENTITY_TAG)) if (`"${value}"` === opaque) return true;
  return false;
}

export const preconditionFailed = (current: Task) =>
  new ApiError(412, 'precondition_failed', 'The task has changed since the version in If-Match; fetch it again.', {
    etag: etagOf(current),
  });

/** Why a conditional (or plain) write touched no row: 412 if the caller's task exists, else 404. */
export async function notWritten(db: Kysely<Database>, owner: Subject, id: string, versions: number[] | undefined): Promise<ApiError> {
  if (versions === undefined) return taskNotFound();
  const current = await findTask(db, owner, id);
  return current ? preconditionFailed(current) : taskNotFound();
}
