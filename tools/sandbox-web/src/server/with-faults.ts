import { setTimeout as sleep } from "node:timers/promises";
import { applyReplacingFault, type Exchange, sendResponse } from "../faults/deliver.ts";
import type { FaultEngine, FaultTarget } from "../faults/engine.ts";
import type { RequestCounters } from "./counters.ts";
import type { PlannedResponse } from "./respond.ts";

/**
 * Responds to a request that faults may affect: decides its faults, waits out the injected latency, then either lets
 * a fault take the place of the response or builds the response and sends it through the fault.
 * `url` is the requested URL without the redirect-hop marker.
 */
export async function respondWithFaults(
  exchange: Exchange,
  faults: FaultEngine,
  counters: RequestCounters,
  target: FaultTarget,
  url: URL,
  build: () => PlannedResponse | Promise<PlannedResponse>,
): Promise<void> {
  const decision = faults.decide(target);
  counters.recordFaults(decision.applied);

  if (decision.delayMs > 0) {
    try {
      await sleep(decision.delayMs, undefined, { signal: exchange.signal });
    } catch (error) {
      // The client left or the sandbox is stopping, so no client is waiting for the response.
      exchange.logger.debug({ err: error, url: exchange.request.url }, "injected latency cut short");
      exchange.response.destroy();
      return;
    }
  }

  const { fault } = decision;
  if (fault !== undefined && applyReplacingFault(exchange, fault, url, target.hop)) {
    return;
  }
  await sendResponse(exchange, await build(), fault);
}
