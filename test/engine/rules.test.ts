// Campaign rules on the real engine, proven from the simulator's call log: mode_call for a lead with
// several numbers (direct / serial / parralel dial strings and which legs really rang), the
// per-network cap of simultaneous calls, and priority_recall `recall` (a due recall before fresh
// leads). Leads with several numbers are stored through storage/leads.ts (`more_numbers`), as the
// v3 import takes one phone_number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry } from '../../simulator/calllog.ts';
import { buildLead, insertLead, type LeadDoc } from '../../storage/leads.ts';
import { callsOfCampaign, leadsOfCampaign, originatesOf, startEngine, waitFor, type Engine } from './harness.ts';

const ANSWER = { action: 'answer' as const, ringMs: 20, talkMs: 150 };
const RULES = {
  default: ANSWER,
  numbers: {
    // serial: first number busy, second answers
    '0981100001': { action: 'busy' as const, ringMs: 20 },
    '0981100002': ANSWER,
    // parralel: one rings long, the other answers
    '0981200001': { action: 'answer' as const, ringMs: 2_000, talkMs: 150 },
    '0981200002': ANSWER,
    // priority_recall: busy once, then answers
    '0981400001': [{ action: 'busy' as const, ringMs: 20 }, ANSWER],
    '0981500001': [{ action: 'busy' as const, ringMs: 20 }, ANSWER],
    // priority_recall: fresh leads talk long enough for the recall to fall due meanwhile
    '09814100*': { action: 'answer' as const, ringMs: 20, talkMs: 3_000 },
    '09815100*': { action: 'answer' as const, ringMs: 20, talkMs: 3_000 },
  },
};

const LEGS_RE = /\[origination_uuid=([0-9a-f-]{36})\]sofia\/gateway\/[^/]+\/(\d+)/g;
/** The legs of a dial string after the `{globals}` and the separators between them. */
function parseLegs(dial: string): { legs: Array<{ uuid: string; number: string }>; separators: string[] } {
  const rest = dial.slice(dial.indexOf('}') + 1);
  const legs = [...rest.matchAll(LEGS_RE)].map((m) => ({ uuid: m[1]!, number: m[2]! }));
  const separators = rest
    .replace(LEGS_RE, '#')
    .split('')
    .filter((ch) => ch !== '#');
  return { legs, separators };
}

const allDone = (e: Engine, campaign: string) =>
  waitFor(
    async () => {
      const ls = await leadsOfCampaign(e, campaign);
      return ls.length && ls.every((l) => l.status === 'done' || l.status === 'invalid') ? ls : undefined;
    },
    90_000,
    'every lead done',
  );

/** Highest number of simultaneously live legs of these originates, among the numbers `keep` accepts. */
const peakLegs = (e: Engine, entries: CallLogEntry[], keep: (number: string) => boolean): number =>
  e.sim.callLog.peakConcurrency(
    (x) => entries.includes(x),
    (l) => keep(l.number),
  );

describe('campaign rules', () => {
  let e: Engine;
  const addLead = async (campaign_uuid: string, numbers: string[]): Promise<LeadDoc> => {
    const lead = buildLead({
      domain_uuid: e.tenant.domain_uuid,
      campaign_uuid,
      phone_number: numbers[0]!,
      more_numbers: numbers.slice(1),
      param: {},
      source: 'v3_import',
    });
    await insertLead(e.mongo.db, lead);
    return lead;
  };
  const opts = { recallFloorMs: 300, reconcileAfterMs: 10_000, pollLeadsMs: 300 };

  beforeAll(async () => {
    e = await startEngine(RULES);
  });
  afterAll(async () => {
    await e?.close();
  });

  it('mode_call direct: one originate, first number only', async () => {
    const campaign = await e.campaign({ concurrent_call: 2, mode_call: 'direct', recall_times: 0 });
    const lead = await addLead(campaign, ['0981300001', '0981300002']);
    expect(lead.phones).toEqual(['0981300001', '0981300002']);
    await e.startRun(campaign, opts);
    const [done] = await allDone(e, campaign);
    expect(done!.disposition).toBe('answered');
    const log = originatesOf(e, campaign);
    expect(log.length).toBe(1);
    const { legs, separators } = parseLegs(log[0]!.dialString);
    expect(legs.map((l) => l.number)).toEqual(['0981300001']);
    expect(separators).toEqual([]);
    expect(legs[0]!.uuid).toBe(lead.next_call_id);
    expect(log[0]!.legs.filter((l) => l.channel).map((l) => l.number)).toEqual(['0981300001']);
    expect(e.sim.callLog.byNumber('0981300002').length).toBe(0);
  });

  it('mode_call serial: one originate with `|`, the next number only when the first fails', async () => {
    const campaign = await e.campaign({ concurrent_call: 2, mode_call: 'serial', recall_times: 0 });
    const failover = await addLead(campaign, ['0981100001', '0981100002']);
    const firstAnswers = await addLead(campaign, ['0981100003', '0981100004']);
    await e.startRun(campaign, opts);
    const final = await allDone(e, campaign);
    const byId = Object.fromEntries(final.map((l) => [l.lead_uuid, l]));
    expect(byId[failover.lead_uuid]!.disposition).toBe('answered');
    expect(byId[failover.lead_uuid]!.attempts).toBe(1);
    expect(byId[firstAnswers.lead_uuid]!.disposition).toBe('answered');

    const log = originatesOf(e, campaign);
    expect(log.length).toBe(2); // one originate per lead (per attempt), never one per number
    const entryOf = (lead: LeadDoc) => log.find((x) => x.variables.lead_uuid === lead.lead_uuid)!;

    // First number busy: its leg ended before the second leg was created.
    const a = entryOf(failover);
    const pa = parseLegs(a.dialString);
    expect(pa.legs.map((l) => l.number)).toEqual(['0981100001', '0981100002']);
    expect(pa.separators).toEqual(['|']);
    expect(pa.legs[0]!.uuid).toBe(failover.next_call_id);
    expect(new Set(pa.legs.map((l) => l.uuid)).size).toBe(2);
    const rung = a.legs.filter((l) => l.channel);
    expect(rung.map((l) => l.number)).toEqual(['0981100001', '0981100002']);
    expect(rung[0]!.hangupAt).toBeDefined();
    expect(rung[1]!.createdAt!).toBeGreaterThanOrEqual(rung[0]!.hangupAt!);
    expect(a.outcome).toBe('answered');

    // First number answers: the second never rings.
    const b = entryOf(firstAnswers);
    expect(parseLegs(b.dialString).separators).toEqual(['|']);
    expect(b.legs.filter((l) => l.channel).map((l) => l.number)).toEqual(['0981100003']);
    expect(e.sim.callLog.byNumber('0981100004').every((x) => !x.legs.some((l) => l.number === '0981100004' && l.channel))).toBe(true);

    // Each call record names the number that answered, not the lead's first number.
    const calls = await waitFor(async () => {
      const cs = await callsOfCampaign(e, campaign);
      return cs.length === 2 && cs.every((c) => c.state === 'done') ? cs : undefined;
    });
    const numberOf = (lead: LeadDoc) => calls.find((c) => c.lead_uuid === lead.lead_uuid)!.phone_number;
    expect(numberOf(failover)).toBe('0981100002');
    expect(numberOf(firstAnswers)).toBe('0981100003');
  });

  it('mode_call parralel: one originate with `,`, every leg its own origination_uuid, all ring', async () => {
    const campaign = await e.campaign({ concurrent_call: 2, mode_call: 'parralel', recall_times: 0 });
    const lead = await addLead(campaign, ['0981200001', '0981200002']);
    await e.startRun(campaign, opts);
    const [done] = await allDone(e, campaign);
    expect(done!.disposition).toBe('answered');
    const log = originatesOf(e, campaign);
    expect(log.length).toBe(1);
    const { legs, separators } = parseLegs(log[0]!.dialString);
    expect(legs.map((l) => l.number)).toEqual(['0981200001', '0981200002']);
    expect(separators).toEqual([',']);
    expect(legs[0]!.uuid).toBe(lead.next_call_id);
    expect(new Set(legs.map((l) => l.uuid)).size).toBe(2);
    const rung = log[0]!.legs.filter((l) => l.channel);
    expect(rung.map((l) => l.number).sort()).toEqual(['0981200001', '0981200002']);
    expect(new Set(rung.map((l) => l.uuid))).toEqual(new Set(legs.map((l) => l.uuid)));
    // Both legs were live at the same time (rang together).
    expect(peakLegs(e, log, () => true)).toBe(2);
  });

  it('network cap: viettel 1 with concurrent_call 4, other networks still dial', async () => {
    const campaign = await e.campaign({
      concurrent_call: 4,
      recall_times: 0,
      network: { viettel: 1, mobi: 0, vina: 0, tel: 0, offnet: 0 },
    });
    const viettel = Array.from({ length: 4 }, (_, i) => `09816000${String(i).padStart(2, '0')}`);
    const others = [
      ...Array.from({ length: 4 }, (_, i) => `09016000${String(i).padStart(2, '0')}`), // mobi
      ...Array.from({ length: 4 }, (_, i) => `09116000${String(i).padStart(2, '0')}`), // vina
    ];
    // Interleave so viettel leads are ready alongside the others.
    const numbers = viettel.flatMap((v, i) => [v, others[2 * i]!, others[2 * i + 1]!]);
    await e.addLeads(campaign, numbers);
    await e.startRun(campaign, opts);
    const final = await allDone(e, campaign);
    expect(final.every((l) => l.disposition === 'answered')).toBe(true);
    const log = originatesOf(e, campaign);
    expect(log.length).toBe(12);
    const isViettel = (n: string) => viettel.includes(n);
    expect(peakLegs(e, log, isViettel)).toBe(1);
    expect(peakLegs(e, log, () => true)).toBeLessThanOrEqual(4);
    // Other networks dialed while a viettel call was live.
    const viettelLegs = log.flatMap((x) => x.legs).filter((l) => l.channel && isViettel(l.number));
    const otherLegs = log.flatMap((x) => x.legs).filter((l) => l.channel && !isViettel(l.number));
    const overlaps = otherLegs.some((o) =>
      viettelLegs.some((v) => o.createdAt! < (v.hangupAt ?? Infinity) && v.createdAt! < (o.hangupAt ?? Infinity)),
    );
    expect(overlaps).toBe(true);
  });

  // cap 1: lead R (busy once) is dialed first; its recall is due (300 ms) while the fresh lead F1
  // talks (3 s). When F1 ends, `recall` grants R before the remaining fresh leads; the default
  // (oldest ready first) grants the fresh leads, claimed earlier, first.
  const recallOrder = async (priority_recall: '' | 'recall', rNumber: string, freshPrefix: string) => {
    const campaign = await e.campaign({ concurrent_call: 1, recall_times: 1, schedule_recall: 'after', priority_recall });
    const fresh = Array.from({ length: 3 }, (_, i) => `${freshPrefix}${String(i).padStart(2, '0')}`);
    await e.addLeads(campaign, [rNumber, ...fresh]);
    await e.startRun(campaign, opts);
    await allDone(e, campaign);
    const log = originatesOf(e, campaign).sort((x, y) => x.at - y.at);
    expect(log.length).toBe(5);
    return log.map((x) => x.legs[0]!.number);
  };

  it('priority_recall recall: a due recall is dialed before fresh leads', async () => {
    const order = await recallOrder('recall', '0981400001', '09814100');
    expect(order.slice(0, 3)).toEqual(['0981400001', '0981410000', '0981400001']);
  });

  it('priority_recall default: fresh leads claimed earlier go before the recall', async () => {
    const order = await recallOrder('', '0981500001', '09815100');
    expect(order[0]).toBe('0981500001');
    expect(order[order.length - 1]).toBe('0981500001');
  });
});
