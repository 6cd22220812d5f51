/** Rows each statement of a batched delete removes at most: no statement holds many row locks. */
export const DELETE_BATCH_SIZE = 1_000;

/**
 * Runs a batched delete (`deleteBatch(limit)` returns how many rows it removed) until a batch comes
 * back short; returns how many rows went in all.
 */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
): Promise<number> {
  let total = 0;
  let deleted: number;
  do {
    deleted = await deleteBatch(DELETE_BATCH_SIZE);
    total += deleted;
  } while (deleted === DELETE_BATCH_SIZE);
  return total;
}
