// Handler types derived from the generated `operations`: a handler's params, query, body and
// replies are exactly what openapi.yaml says for its operationId.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { operations } from '../../generated/openapi.js';

export type OperationId = keyof operations;
type Op<K extends OperationId> = operations[K];
type OrEmpty<T> = [T] extends [never] ? Record<never, never> : T;

type Params<K extends OperationId> = OrEmpty<NonNullable<Op<K>['parameters']['path']>>;
// Query parameters typed as present (validation fills in the declared defaults). Not every one has
// a default (the list's filters, cursor, offset): a handler that reads those uses its own honest
// type (src/tasks/list-params.ts). (Required<>, not Partial<>: it keeps the two route families'
// handler types assignable to each other.)
type Query<K extends OperationId> = OrEmpty<Required<NonNullable<Op<K>['parameters']['query']>>>;
type Body<K extends OperationId> =
  Op<K> extends { requestBody: { content: { 'application/json': infer B } } }
    ? B
    : Op<K> extends { requestBody?: { content: { 'application/json': infer B } } }
      ? B | undefined
      : undefined;
type Replies<K extends OperationId> = {
  [S in keyof Op<K>['responses']]: Op<K>['responses'][S] extends { content: { 'application/json': infer R } } ? R : undefined;
};

export interface RouteTypes<K extends OperationId> {
  Params: Params<K>;
  Querystring: Query<K>;
  Body: Body<K>;
  Reply: Replies<K>;
}

export type Handler<K extends OperationId> = (
  request: FastifyRequest<RouteTypes<K>>,
  reply: FastifyReply<RouteTypes<K>>,
) => Promise<unknown>;

/** One handler per operation in openapi.yaml: a missing or misspelt one does not compile. */
export type Handlers = { [K in OperationId]: Handler<K> };
