// The originate's dial string, FreeSWITCH syntax: `{globals}[per-leg]sofia/gateway/<gw>/<number>`,
// legs joined by `,` (parallel) or `|` (serial). Values are stripped of the characters that would
// end a variable or a leg, so nothing a tenant typed can change the command.

export interface DialPlan {
  numbers: readonly string[];
  leg_uuids: readonly string[];
  gateway: string;
  separator: ',' | '|';
}

/** `{globals}[origination_uuid=…]sofia/gateway/gw/n1|[…]…` — every leg its own origination_uuid. */
export function buildDialString(plan: DialPlan, vars: Record<string, string>): string {
  const globals = Object.entries(vars)
    .map(([k, v]) => `${k}=${v.replace(/[,{}[\]\s]/g, '')}`)
    .join(',');
  const legs = plan.numbers.map((n, i) => `[origination_uuid=${plan.leg_uuids[i]}]sofia/gateway/${plan.gateway}/${n}`);
  return `{${globals}}${legs.join(plan.separator)}`;
}
