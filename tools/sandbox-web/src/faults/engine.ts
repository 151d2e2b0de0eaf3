import path from "node:path";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";
import type { Fault } from "./schema.ts";

/** The request a fault is matched against. */
export interface FaultTarget {
  route: "page" | "robots" | "search";
  /** Lowercase host name without port. */
  host: string;
  /** URL path without the query. */
  path: string;
  /** Hop number of a redirect chain started by a redirect fault; 0 for an ordinary request. */
  hop: number;
}

/** Effect of the faults on one request. */
export interface FaultDecision {
  /** Sum of the delays of the matching latency faults, in ms. */
  delayMs: number;
  /** The fault that shapes the response, if any: the first matching fault that is not latency. */
  fault: Exclude<Fault, { kind: "latency" }> | undefined;
  /** Ids of the faults applied to this request, for the counters. */
  applied: string[];
}

/** A fault as listed by the control endpoint: its definition and how often it was applied. */
export type FaultStatus = Fault & { id: string; applied: number };

interface FaultState {
  fault: Fault;
  id: string;
  applied: number;
  random: JumpableRandomGenerator;
}

/**
 * Matches requests against the active faults and decides which ones apply.
 *
 * Each fault draws from its own generator, derived from the seed by jumping the xoroshiro128+
 * sequence once per position in the list, so the draws of one fault do not depend on how many
 * requests other faults saw. The same seed, faults and request order give the same outcomes.
 */
export class FaultEngine {
  readonly #seed: number;
  #states: FaultState[] = [];

  constructor(seed: number, faults: readonly Fault[] = []) {
    this.#seed = seed;
    this.set(faults);
  }

  /** Replaces the active faults, restarting their `times` counts and random sequences. */
  set(faults: readonly Fault[]): void {
    const random = xoroshiro128plus(this.#seed);
    this.#states = faults.map((fault, index) => {
      random.jump();
      return { fault, id: fault.id ?? `${index + 1}-${fault.kind}`, applied: 0, random: random.clone() };
    });
  }

  list(): FaultStatus[] {
    return this.#states.map((state) => ({ ...state.fault, id: state.id, applied: state.applied }));
  }

  /** Number of times each fault was applied, by fault id. */
  appliedCounts(): Record<string, number> {
    return Object.fromEntries(this.#states.map((state) => [state.id, state.applied]));
  }

  /**
   * Decides the faults for one request. Latency faults add up. Of the other faults only the first
   * one that matches and passes its rate draw applies. A hop of a running redirect chain gets the
   * redirect fault that matches it, whatever its `times` and `rate`, so the chain runs to its end.
   */
  decide(target: FaultTarget): FaultDecision {
    let delayMs = 0;
    let chosen: FaultDecision["fault"];
    const applied: string[] = [];

    for (const state of this.#states) {
      const { fault } = state;
      if (!matches(fault, target)) {
        continue;
      }
      if (target.hop > 0 && fault.kind !== "latency") {
        if (chosen === undefined && (fault.kind === "redirect" || fault.kind === "redirect-loop")) {
          chosen = fault;
        }
        continue;
      }
      if (fault.kind !== "latency" && chosen !== undefined) {
        continue;
      }
      if (!this.#draw(state)) {
        continue;
      }

      state.applied += 1;
      applied.push(state.id);
      if (fault.kind === "latency") {
        delayMs += latencyOf(fault, state.random);
      } else {
        chosen = fault;
      }
    }
    return { delayMs, fault: chosen, applied };
  }

  /** Returns whether the fault applies to this request, given its remaining `times` and its `rate`. */
  #draw(state: FaultState): boolean {
    const { fault } = state;
    if (fault.times !== undefined && state.applied >= fault.times) {
      return false;
    }
    if (fault.rate >= 1) {
      return true;
    }
    return uniformFloat64(state.random) < fault.rate;
  }
}

function matches(fault: Fault, target: FaultTarget): boolean {
  if (fault.route !== "any" && fault.route !== target.route) {
    return false;
  }
  return path.posix.matchesGlob(target.host, fault.host) && path.posix.matchesGlob(target.path, fault.path);
}

function latencyOf(fault: Extract<Fault, { kind: "latency" }>, random: JumpableRandomGenerator): number {
  if (fault.ms !== undefined) {
    return fault.ms;
  }
  const min = fault.minMs ?? 0;
  const max = fault.maxMs ?? min;
  return min + uniformFloat64(random) * (max - min);
}
