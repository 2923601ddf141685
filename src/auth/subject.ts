// A user id that came out of a verified token. Only the verifier makes one, and every task query
// requires one, so no query can be built for an owner nobody authenticated.
declare const subjectBrand: unique symbol;
export type Subject = string & { readonly [subjectBrand]: true };

/** The verifier's constructor for Subject; nothing else should call it. */
export function subjectFromVerifiedToken(sub: string): Subject {
  return sub as Subject;
}
