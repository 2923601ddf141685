// The two route families of the contract, as test fixtures: same operations, different paths.
export interface Family {
  name: string;
  /** The collection URL for this user in this family. */
  collection(user: string): string;
}

export const families: Family[] = [
  { name: 'caller-implied', collection: () => '/api/tasks' },
  { name: 'per-user', collection: (user) => `/api/${encodeURIComponent(user)}/tasks` },
];
