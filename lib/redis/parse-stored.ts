import type { z } from 'zod';

/**
 * JSON read back from a shared store, used only if it has exactly the schema's shape (another deployment could write
 * to a shared Redis). Null when absent or not to be trusted.
 */
export function parseStored<T>(schema: z.ZodType<T>, text: string | null): T | null {
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
