// Picks the generated ajv validator for each part of each operation's request.
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as bodyValidators from '../../generated/body-validators.js';
import * as parameterValidators from '../../generated/parameter-validators.js';
import type { RouteSpec } from '../../generated/routes.js';

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const generated: Record<string, ValidateFunction | undefined> = { ...bodyValidators, ...parameterValidators } as never;

const BODY_REQUIRED: ErrorObject = {
  instancePath: '',
  schemaPath: '#',
  keyword: 'required',
  params: {},
  message: 'a JSON body is required',
};

export function validatorFor(route: RouteSpec, httpPart: string | undefined): Validator {
  const validate = generated[`${route.operationId}_${httpPart}`];
  if (!validate) throw new Error(`no generated ${httpPart} validator for ${route.operationId}: run npm run generate`);
  if (httpPart === 'querystring' && route.commaSeparatedQuery.length > 0) return splittingLists(validate, route.commaSeparatedQuery);
  if (httpPart !== 'body') return validate;

  // Fastify hands an absent body to the validator as null.
  const body: Validator = (data) => {
    if (data === null) {
      body.errors = route.bodyRequired ? [BODY_REQUIRED] : null;
      return !route.bodyRequired;
    }
    const valid = validate(data);
    body.errors = validate.errors ?? null;
    return valid;
  };
  return body;
}

/**
 * Query arrays the contract sends as one comma-separated value (`priority=high,medium`,
 * `style: form, explode: false`): split into their items before the schema sees them.
 */
function splittingLists(validate: ValidateFunction, names: readonly string[]): Validator {
  const query: Validator = (data) => {
    const values = data as Record<string, unknown>;
    for (const name of names) {
      const value = values[name];
      if (typeof value === 'string') values[name] = value.split(',');
    }
    const valid = validate(data);
    query.errors = validate.errors ?? null;
    return valid;
  };
  return query;
}
