// The list operation's query parameters as the handler gets them: the contract's, with the
// defaults that validation has filled in (openapi.yaml, components.parameters).
import type { operations } from '../../generated/openapi.js';

type Query = NonNullable<operations['listTasks']['parameters']['query']>;
type Defaulted = 'status' | 'sort' | 'order' | 'limit' | 'overdue';

export type ListParams = Required<Pick<Query, Defaulted>> & Omit<Query, Defaulted>;
export type SortField = ListParams['sort'];
export type SortOrder = ListParams['order'];

/** The parameters that choose which tasks and in what order: what a cursor is bound to. */
export type ListFilters = Omit<ListParams, 'limit' | 'cursor' | 'offset'>;
