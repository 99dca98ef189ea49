/** The JSON fields of ROBOT_STREAM chunks that the server appends rather than replaces. */
const APPENDED_FIELDS = ['answer', 'reasonContent'] as const;

/**
 * The stored content of a ROBOT_STREAM message after one more chunk with the same uid: the
 * server concatenates the chunks' JSON `answer` and `reasonContent` (other fields come from the
 * newest chunk). Content that is not a JSON object is appended as text.
 */
export function appendRobotStream(stored: string, chunk: string): string {
  const before = jsonObject(stored);
  const next = jsonObject(chunk);
  if (!before || !next) return stored + chunk;
  const merged: Record<string, unknown> = { ...before, ...next };
  for (const field of APPENDED_FIELDS) {
    if (field in before || field in next) merged[field] = text(before[field]) + text(next[field]);
  }
  return JSON.stringify(merged);
}

function jsonObject(content: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}
