// Tags as stored and compared: trimmed, lower-case, de-duplicated, sorted. The contract has already
// checked each one (1–32 characters, not blank, no comma, no NUL) and the count (at most 20).

export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase()))].sort();
}
