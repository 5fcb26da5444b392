// Which carrier a number goes out on. Pure: the dial activity and the run's claim call it with the
// tenant's carriers.

export interface CarrierChoice {
  carrier_uuid: string;
  carrier_name: string;
  /** Networks it serves; empty or missing = every network. */
  networks?: readonly string[];
}

/**
 * The campaign's carrier when it serves the number's network, else the tenant's first other
 * carrier (by name) that does, else the campaign's carrier anyway (the carrier decides), else none.
 */
export function chooseCarrier<C extends CarrierChoice>(carriers: readonly C[], preferred: string, network: string): C | undefined {
  const serves = (c: C) => !c.networks?.length || c.networks.includes(network);
  const own = carriers.find((c) => c.carrier_uuid === preferred);
  if (own && serves(own)) return own;
  const other = [...carriers].sort((a, b) => a.carrier_name.localeCompare(b.carrier_name)).find(serves);
  return other ?? own;
}
