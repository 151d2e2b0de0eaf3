/** A job that can take more rows in this admission pass. */
export interface Candidate {
  jobId: string;
  /** The job's priority, 1-10; a job of priority 10 gets twice the share of one of priority 5. */
  weight: number;
  /** Rows the job can take now: its free window, at most its waiting rows. */
  capacity: number;
}

/**
 * Shares `freeSlots` among the candidates by smooth weighted round-robin (the scheme nginx uses
 * for upstream weights): each turn every candidate gains its weight in credit, the one with most
 * credit takes a slot and pays the sum of all weights. Over many turns each job gets slots in
 * proportion to its weight, interleaved rather than in bursts. `credits` carries the balance
 * from one pass to the next, so fairness lasts across passes that hand out a few slots each.
 * Returns rows per job in the order the jobs first received a slot.
 */
export function allocateSlots(
  candidates: readonly Candidate[],
  freeSlots: number,
  credits: Map<string, number>,
): Map<string, number> {
  const allocation = new Map<string, number>();
  const remaining = new Map(
    candidates.filter((job) => job.capacity > 0).map((job) => [job.jobId, job.capacity]),
  );
  const weights = new Map(candidates.map((job) => [job.jobId, Math.max(1, job.weight)]));
  let slots = freeSlots;
  while (slots > 0 && remaining.size > 0) {
    let totalWeight = 0;
    let best: string | undefined;
    let bestCredit = Number.NEGATIVE_INFINITY;
    for (const jobId of remaining.keys()) {
      const weight = weights.get(jobId)!;
      totalWeight += weight;
      const credit = (credits.get(jobId) ?? 0) + weight;
      credits.set(jobId, credit);
      if (credit > bestCredit) {
        bestCredit = credit;
        best = jobId;
      }
    }
    const chosen = best!;
    credits.set(chosen, bestCredit - totalWeight);
    allocation.set(chosen, (allocation.get(chosen) ?? 0) + 1);
    const left = remaining.get(chosen)! - 1;
    if (left === 0) {
      remaining.delete(chosen);
    } else {
      remaining.set(chosen, left);
    }
    slots -= 1;
  }
  return allocation;
}

/** Drops the credit of jobs that are no longer active, so the map does not grow without bound. */
export function forgetInactive(credits: Map<string, number>, activeJobIds: ReadonlySet<string>): void {
  for (const jobId of credits.keys()) {
    if (!activeJobIds.has(jobId)) {
      credits.delete(jobId);
    }
  }
}
