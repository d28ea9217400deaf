// The demo's fixed reference data, from the source projects the design names: the HR brief of a
// sport-benefits proof of concept (business units, commute modes, declared sports, the office
// address) and the Africa Cup of Nations 2025 in Morocco (CAF's stadium list of January 2025,
// the group draw).

export const OFFICE_ADDRESS = '1362 Av. des Platanes, 34970 Lattes';

export const BUSINESS_UNITS = ['Marketing', 'Ventes', 'Finance', 'R&D', 'Support'] as const;

export const COMMUTE_MODES = ['Marche/running', 'Vélo/Trottinette/Autres', 'Transports en commun', 'véhicule thermique/électrique'] as const;
export type CommuteMode = (typeof COMMUTE_MODES)[number];

/** Sports as the source data spells them ("Runing" included). */
export const SPORTS = [
  'Runing', 'Tennis', 'Randonnée', 'Natation', 'Football', 'Rugby', 'Badminton', 'Voile', 'Boxe', 'Judo',
  'Escalade', 'Triathlon', 'Équitation', 'Tennis de table', 'Basketball',
] as const;
export type Sport = (typeof SPORTS)[number];

/** How an activity of each sport looks: distance range in metres (null where it means nothing) and duration. */
export const SPORT_PROFILE: Record<Sport, { distanceM: [number, number] | null; minutes: [number, number] }> = {
  Runing: { distanceM: [3000, 21000], minutes: [18, 120] },
  Tennis: { distanceM: null, minutes: [45, 120] },
  Randonnée: { distanceM: [5000, 25000], minutes: [75, 360] },
  Natation: { distanceM: [500, 4000], minutes: [20, 90] },
  Football: { distanceM: null, minutes: [60, 120] },
  Rugby: { distanceM: null, minutes: [60, 110] },
  Badminton: { distanceM: null, minutes: [40, 100] },
  Voile: { distanceM: [4000, 40000], minutes: [90, 300] },
  Boxe: { distanceM: null, minutes: [45, 90] },
  Judo: { distanceM: null, minutes: [60, 100] },
  Escalade: { distanceM: null, minutes: [60, 180] },
  Triathlon: { distanceM: [25000, 60000], minutes: [90, 240] },
  Équitation: { distanceM: [5000, 25000], minutes: [45, 150] },
  'Tennis de table': { distanceM: null, minutes: [30, 90] },
  Basketball: { distanceM: null, minutes: [45, 100] },
};

export const FIRST_NAMES = [
  'Juliette', 'Laurence', 'Thomas', 'Camille', 'Nicolas', 'Léa', 'Hugo', 'Chloé', 'Lucas', 'Manon', 'Julien', 'Sarah',
  'Maxime', 'Inès', 'Antoine', 'Émilie', 'Mathieu', 'Céline', 'Sébastien', 'Zoé', 'Karim', 'Yasmine', 'François',
  'Hélène', 'Benoît', 'Aurélie', 'Loïc', 'Anaïs', 'Jérôme', 'Noémie', 'Rémi', 'Élodie', 'Mehdi', 'Sophie', 'Olivier',
  'Pauline', 'Gaëlle', 'Yannick', 'Maëlys', 'Jean-Baptiste', 'Marie-Claire', 'Amadou', 'Fatou', 'Théo', 'Clémence',
];

export const LAST_NAMES = [
  'Mendes', 'Morvan', 'Martin', 'Bernard', 'Dubois', 'Durand', 'Lefèvre', 'Moreau', 'Laurent', 'Simon', 'Michel',
  'Garcia', 'Roux', 'Fournier', 'Girard', 'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller',
  "D'Almeida", "N'Diaye", 'Benali', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Perrin', 'Robin', 'Clément',
  'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson', 'Marchand', 'Duval', 'Denis', 'Lemaire',
  'Le Goff', 'Kerbrat',
];

/**
 * Real communes around the office and beyond, as postal code and name, for home addresses. Gold
 * locates them in GeoNames' gazetteer (lake/gold/commute/gazetteer.ts); the generator gives each
 * employee a declared distance near the one gold computes from the address (great-circle × 1.3
 * from Lattes: Pérols 5.0 km, Montpellier 6.8, Mauguio 13.1, Frontignan 23.2, Sète 32.5,
 * Nîmes 61.4, Béziers 79.4), except for a few who declare less than they live from the office.
 */
export const TOWNS = [
  '34970 Lattes', '34470 Pérols', '34000 Montpellier', '34070 Montpellier', '34080 Montpellier', '34090 Montpellier',
  '34250 Palavas-les-Flots', '34750 Villeneuve-lès-Maguelone', '34430 Saint-Jean-de-Védas', '34170 Castelnau-le-Lez',
  '34880 Lavérune', '34990 Juvignac', '34920 Le Crès', '34130 Saint-Aunès', '34130 Mauguio', '34830 Clapiers', '34690 Fabrègues',
  '34830 Jacou', '34740 Vendargues', '34980 Montferrier-sur-Lez', '34570 Pignan', '34790 Grabels', '34820 Teyran',
  '34670 Baillargues', '34570 Murviel-lès-Montpellier', '34160 Castries', '34280 La Grande-Motte', '34660 Cournonterral',
  '34730 Prades-le-Lez', '34980 Saint-Gély-du-Fesc', '34770 Gigean', '34110 Frontignan', '30240 Le Grau-du-Roi',
  '34400 Lunel-Viel', '34560 Poussan', '34400 Lunel', '34540 Balaruc-les-Bains', '30220 Aigues-Mortes', '34200 Sète',
  '34140 Mèze', '34150 Gignac', '30600 Vauvert', '34120 Pézenas', '34300 Agde', '30000 Nîmes', '34500 Béziers',
];

export const STREETS = ['rue de la République', 'avenue de la Liberté', 'rue des Écoles', 'chemin des Vignes', 'boulevard Victor Hugo',
  'rue du Moulin', "allée des Pins", 'place de la Mairie', 'rue Jean Jaurès', 'impasse des Oliviers'];

export interface Stadium {
  id: number;
  name: string;
  city: string;
  capacity: number;
}

/** CAF's list for AFCON 2025 (January 2025). */
export const STADIUMS: Stadium[] = [
  { id: 1, name: 'Prince Moulay Abdellah', city: 'Rabat', capacity: 69500 },
  { id: 2, name: 'Al Barid', city: 'Rabat', capacity: 18000 },
  { id: 3, name: 'Olympic Annex Moulay Abdellah', city: 'Rabat', capacity: 21000 },
  { id: 4, name: 'Prince Héritier Moulay El Hassan', city: 'Rabat', capacity: 22000 },
  { id: 5, name: 'Mohammed V', city: 'Casablanca', capacity: 45000 },
  { id: 6, name: "Grand Stade d'Agadir", city: 'Agadir', capacity: 41144 },
  { id: 7, name: 'Grand Stade de Marrakech', city: 'Marrakech', capacity: 41245 },
  { id: 8, name: 'Complexe Sportif de Fès', city: 'Fès', capacity: 35468 },
  { id: 9, name: 'Grand Stade de Tanger', city: 'Tanger', capacity: 75600 },
];

/** The group draw of AFCON 2025. */
export const GROUPS: Record<string, string[]> = {
  A: ['Morocco', 'Mali', 'Zambia', 'Comoros'],
  B: ['Egypt', 'South Africa', 'Angola', 'Zimbabwe'],
  C: ['Nigeria', 'Tunisia', 'Uganda', 'Tanzania'],
  D: ['Senegal', 'DR Congo', 'Benin', 'Botswana'],
  E: ['Algeria', 'Burkina Faso', 'Equatorial Guinea', 'Sudan'],
  F: ['Ivory Coast', 'Cameroon', 'Gabon', 'Mozambique'],
};

export const STAGES = ['group', 'round_of_16', 'quarter_final', 'semi_final', 'third_place', 'final'] as const;
export type Stage = (typeof STAGES)[number];

export const GATES = ['A', 'B', 'C', 'D'];

export const COMMENTS = [
  'Reprise en douceur', 'Belle sortie !', 'Record personnel battu', "Sous la pluie mais motivé", "Avec l'équipe du service",
  'Objectif semi-marathon', 'Séance fractionnée', 'Au lever du soleil', 'Jambes lourdes aujourd’hui', 'Superbe vue sur les étangs',
];
