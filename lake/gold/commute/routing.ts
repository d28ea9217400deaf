// How far a home is from the office, behind one interface: by default the great-circle distance
// between the two points times a road factor (no network at all), or a routing engine when one
// is configured (gold.commuteRouting): an OSRM server's /route service or Google's Distance
// Matrix API. Only coordinates are sent (the home commune's centre and the office), never an
// employee's address. An engine that cannot answer throws: gold's refresh fails and is retried
// with its growing pause, so a declaration is never judged on a distance that was not computed.

import { UserError } from '../../../common/errors.js';

export interface Point {
  latitude: number;
  longitude: number;
}

export type TravelMode = 'walk' | 'bike';

export interface CommuteDistance {
  /** Road distance in km. */
  km: number;
  /** How it was obtained, for HR: 'great-circle 47.10 km × 1.3', 'osrm', 'google'. */
  method: string;
}

export interface RoutingEngine {
  readonly name: string;
  distance(from: Point, to: Point, mode: TravelMode): Promise<CommuteDistance>;
}

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;

/** Haversine distance in km. */
export function greatCircleKm(a: Point, b: Point): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h = Math.sin(rad(b.latitude - a.latitude) / 2) ** 2 +
    Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(rad(b.longitude - a.longitude) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export class GreatCircleRouting implements RoutingEngine {
  readonly name = 'great-circle';
  constructor(private readonly roadFactor: number) {}

  async distance(from: Point, to: Point): Promise<CommuteDistance> {
    const straight = greatCircleKm(from, to);
    return { km: straight * this.roadFactor, method: `great-circle ${straight.toFixed(2)} km × ${this.roadFactor}` };
  }
}

const TIMEOUT_MS = 10_000;

async function getJson(url: URL, what: string, fix: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new UserError(`${what} did not answer: ${(e as Error).message}`, { where: `${url.origin}${url.pathname}`, fix, cause: e });
  }
  const text = await res.text();
  if (!res.ok) throw new UserError(`${what} answered HTTP ${res.status}: ${text.slice(0, 200)}`, { where: `${url.origin}${url.pathname}`, fix });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UserError(`${what} answered something that is not JSON: ${text.slice(0, 200)}`, { where: `${url.origin}${url.pathname}`, fix });
  }
}

/** An OSRM server (osrm-routed): GET /route/v1/{profile}/{lon},{lat};{lon},{lat}?overview=false. */
export class OsrmRouting implements RoutingEngine {
  readonly name = 'osrm';
  constructor(private readonly baseUrl: string, private readonly profile: string) {}

  async distance(from: Point, to: Point): Promise<CommuteDistance> {
    const url = new URL(`route/v1/${encodeURIComponent(this.profile)}/${from.longitude},${from.latitude};${to.longitude},${to.latitude}`, withSlash(this.baseUrl));
    url.searchParams.set('overview', 'false');
    const fix = 'check gold.osrmUrl (GOLD_OSRM_URL) and that the OSRM server is up, or set gold.commuteRouting to great-circle';
    const body = (await getJson(url, 'the OSRM server', fix)) as { code?: string; message?: string; routes?: Array<{ distance?: number }> };
    const metres = body.routes?.[0]?.distance;
    if (body.code !== 'Ok' || typeof metres !== 'number') throw new UserError(`the OSRM server found no route: ${body.code ?? '?'} ${body.message ?? ''}`.trim(), { where: url.origin, fix });
    return { km: metres / 1000, method: 'osrm' };
  }
}

/** Google's Distance Matrix API, walking or bicycling as the commute mode says. */
export class GoogleDistanceMatrixRouting implements RoutingEngine {
  readonly name = 'google';
  constructor(private readonly apiKey: string, private readonly baseUrl: string) {
    if (!apiKey) throw new UserError('gold.commuteRouting is google but no API key is set', { fix: 'set gold.googleMapsApiKey (GOOGLE_MAPS_API_KEY), or use great-circle or osrm' });
  }

  async distance(from: Point, to: Point, mode: TravelMode): Promise<CommuteDistance> {
    const url = new URL('maps/api/distancematrix/json', withSlash(this.baseUrl));
    url.searchParams.set('origins', `${from.latitude},${from.longitude}`);
    url.searchParams.set('destinations', `${to.latitude},${to.longitude}`);
    url.searchParams.set('mode', mode === 'walk' ? 'walking' : 'bicycling');
    url.searchParams.set('units', 'metric');
    url.searchParams.set('key', this.apiKey);
    const fix = 'check gold.googleMapsApiKey and that the Distance Matrix API is enabled for it, or set gold.commuteRouting to great-circle';
    // the key is in the query string: errors name the endpoint only (getJson prints origin + path)
    const body = (await getJson(url, "Google's Distance Matrix API", fix)) as {
      status?: string; error_message?: string; rows?: Array<{ elements?: Array<{ status?: string; distance?: { value?: number } }> }>;
    };
    const element = body.rows?.[0]?.elements?.[0];
    const metres = element?.distance?.value;
    if (body.status !== 'OK' || element?.status !== 'OK' || typeof metres !== 'number') {
      throw new UserError(`Google's Distance Matrix API gave no distance: ${body.status ?? '?'} / ${element?.status ?? '?'} ${body.error_message ?? ''}`.trim(), { fix });
    }
    return { km: metres / 1000, method: 'google' };
  }
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
