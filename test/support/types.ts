// The contract's schemas as test types, from generated/openapi.ts (openapi.yaml), in one place.
import type { components } from '../../generated/openapi.js';

export type Task = components['schemas']['Task'];
export type ErrorBody = components['schemas']['ApiError'];
export type TaskStats = components['schemas']['TaskStats'];
