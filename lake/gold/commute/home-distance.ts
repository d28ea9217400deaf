// The home-to-office distance of each sporting commute declaration, as the client's original
// pipeline computed it with a maps service: the address geocoded offline to its commune
// (gazetteer.ts), then the distance to the office by the configured routing engine (routing.ts).
// Resolved before gold's pure rules run (a full recomputation resolves every employee, a refresh
// the employees that changed) and attached to the employee, so bonus.ts stays synchronous and a
// full recomputation and a refresh judge a declaration on the same figure. Distances are cached
// per commune and mode: 161 employees living in 40 communes make 40 routing requests, once.

import { parseDecimal, type Decimal } from '../decimal.js';
import type { Employee } from '../silver-inputs.js';
import { locateAddress } from './gazetteer.js';
import type { Point, RoutingEngine, TravelMode } from './routing.js';

export type HomeDistance =
  | { found: true; commune: string; postalCode: string; km: Decimal; method: string }
  | { found: false; reason: string };

export class CommuteDistances {
  private readonly cache = new Map<string, Promise<{ km: Decimal; method: string }>>();

  constructor(
    readonly office: Point,
    readonly engine: RoutingEngine,
  ) {}

  /** The distance from an address to the office, or why there is none. */
  async fromAddress(address: string | null, mode: TravelMode): Promise<HomeDistance> {
    const located = locateAddress(address);
    if (!located.found) return { found: false, reason: located.reason };
    const c = located.commune;
    const key = `${c.department}|${c.name}|${mode}`;
    let distance = this.cache.get(key);
    if (!distance) {
      distance = this.engine.distance(c, this.office, mode).then((d) => ({ km: parseDecimal(d.km.toFixed(2))!, method: d.method }));
      this.cache.set(key, distance);
      // a failed request is not remembered: the next refresh asks again
      distance.catch(() => this.cache.delete(key));
    }
    const { km, method } = await distance;
    return { found: true, commune: c.name, postalCode: located.postalCode, km, method };
  }
}

/** Attaches the home distance to each employee whose commute mode is a sporting one. */
export async function attachHomeDistances(employees: Iterable<Employee>, modeOf: (e: Employee) => TravelMode | undefined, distances: CommuteDistances): Promise<void> {
  const pending: Promise<void>[] = [];
  for (const e of employees) {
    const mode = modeOf(e);
    if (mode === undefined) {
      e.home = undefined;
      continue;
    }
    pending.push(distances.fromAddress(e.address, mode).then((home) => {
      e.home = home;
    }));
  }
  await Promise.all(pending);
}
