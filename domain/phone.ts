// Vietnamese phone numbers: normalise what customers send, decide the mobile network, mask for logs.
//
// Numbering plan (Ministry of Information and Communications, Circular 22/2014/TT-BTTTT as amended;
// the 2017 fixed-line area-code change and the 2018-09-15..2018-11-14 conversion of 11-digit
// mobile numbers to 10 digits, Decision 798/QĐ-BTTTT). After them:
//   - mobile: 0 + 9 digits, 3-digit prefixes 03x, 05x, 07x, 08x, 09x;
//   - fixed : 0 + 2xx area code + subscriber = 11 digits (Hà Nội 024 and TP.HCM 028 have 8-digit
//     subscribers, every other province 02xx + 7 digits).
// The prefix → network table below is ours (it also appears in operators' own published lists);
// libphonenumber-js (max metadata) only vouches for mobile numbers whose prefix we do not list, so a
// newly allocated block is accepted as `offnet` instead of rejected.

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The five `network` keys of a campaign. */
export const NETWORKS = ['viettel', 'mobi', 'vina', 'tel', 'offnet'] as const;
export type Network = (typeof NETWORKS)[number];

export type Operator = 'viettel' | 'mobifone' | 'vinaphone' | 'vietnamobile' | 'gmobile' | 'itelecom' | 'reddi' | 'other-mobile' | 'fixed';

/** National mobile prefix (with the 0) → operator. The ONE table: edit here, nowhere else. */
// prettier-ignore
export const MOBILE_PREFIXES: Readonly<Record<string, Operator>> = {
  // Viettel: 086, 096-098; 032-039 are the converted 0162-0169.
  '032': 'viettel', '033': 'viettel', '034': 'viettel', '035': 'viettel', '036': 'viettel',
  '037': 'viettel', '038': 'viettel', '039': 'viettel', '086': 'viettel', '096': 'viettel',
  '097': 'viettel', '098': 'viettel',
  // MobiFone: 089, 090, 093; 070, 076-079 are the converted 0120/0126/0122/0128/0121.
  '070': 'mobifone', '076': 'mobifone', '077': 'mobifone', '078': 'mobifone', '079': 'mobifone',
  '089': 'mobifone', '090': 'mobifone', '093': 'mobifone',
  // VinaPhone: 088, 091, 094; 081-085 are the converted 0127/0129/0123/0124/0125.
  '081': 'vinaphone', '082': 'vinaphone', '083': 'vinaphone', '084': 'vinaphone', '085': 'vinaphone',
  '088': 'vinaphone', '091': 'vinaphone', '094': 'vinaphone',
  // The rest are `offnet` for routing and caps.
  '092': 'vietnamobile', '056': 'vietnamobile', '058': 'vietnamobile', '052': 'vietnamobile',
  '099': 'gmobile', '059': 'gmobile',
  '087': 'itelecom', // Itelecom (MVNO), allocated 2019
  '055': 'reddi', // Reddi (Mobicast/Wintel MVNO)
};

const OPERATOR_NETWORK: Readonly<Record<Operator, Network>> = {
  viettel: 'viettel',
  mobifone: 'mobi',
  vinaphone: 'vina',
  vietnamobile: 'offnet',
  gmobile: 'offnet',
  itelecom: 'offnet',
  reddi: 'offnet',
  'other-mobile': 'offnet',
  fixed: 'tel',
};

/** 2018 conversion: old 11-digit mobile prefix → new 10-digit prefix (same subscriber digits). */
// prettier-ignore
export const LEGACY_MOBILE_PREFIXES: Readonly<Record<string, string>> = {
  '0162': '032', '0163': '033', '0164': '034', '0165': '035', '0166': '036', '0167': '037',
  '0168': '038', '0169': '039',
  '0120': '070', '0121': '079', '0122': '077', '0126': '076', '0128': '078',
  '0123': '083', '0124': '084', '0125': '085', '0127': '081', '0129': '082',
  '0186': '056', '0188': '058',
  '0199': '059',
};

/** Fixed-line area codes after the 2017 change (63 provinces; the 2025 province mergers kept them). */
// prettier-ignore
// eslint-disable-next-line no-restricted-syntax -- read-only
export const AREA_CODES: ReadonlySet<string> = new Set([
  '203', '204', '205', '206', '207', '208', '209', '210', '211', '212', '213', '214', '215', '216',
  '218', '219', '220', '221', '222', '225', '226', '227', '228', '229', '232', '233', '234', '235',
  '236', '237', '238', '239', '24', '251', '252', '254', '255', '256', '257', '258', '259', '260',
  '261', '262', '263', '269', '270', '271', '272', '273', '274', '275', '276', '277', '28', '290',
  '291', '292', '293', '294', '296', '297', '299',
]);

export type PhoneInvalidReason = 'empty' | 'invalid_characters' | 'not_vietnamese' | 'too_short' | 'too_long' | 'unknown_prefix';

export interface VietnamesePhone {
  /** +84xxxxxxxxx */
  e164: string;
  /** 0xxxxxxxxx — what we dial */
  national: string;
  kind: 'mobile' | 'fixed';
  network: Network;
  operator: Operator;
  /** Set when an old 11-digit mobile number was converted (the original national form). */
  convertedFrom?: string;
}

export type PhoneParseResult = ({ ok: true } & VietnamesePhone) | { ok: false; reason: PhoneInvalidReason; message: string };

export interface ParsePhoneOptions {
  /** Convert pre-2018 11-digit mobiles (0168…) to the new prefix. Default true: those numbers
   *  no longer exist, and the converted one reaches the same subscriber. */
  convertLegacy?: boolean;
}

const fail = (reason: PhoneInvalidReason, message: string): PhoneParseResult => ({ ok: false, reason, message });

/**
 * Accepts `0982596021`, `84982596021`, `+84 982 596 021`, `0084…`, `098.259.6021`, `(028) 3812-3456`,
 * and a mobile whose leading 0 was lost (`982596021`, a spreadsheet classic); also `+840982…`
 * (a stray trunk 0 after the country code).
 */
export function parsePhone(input: string | number | null | undefined, opts: ParsePhoneOptions = {}): PhoneParseResult {
  const convertLegacy = opts.convertLegacy ?? true;
  if (input === null || input === undefined) return fail('empty', 'phone number is empty');
  const raw = String(input).trim();
  if (raw === '') return fail('empty', 'phone number is empty');
  const plus = raw.startsWith('+');
  const body = plus ? raw.slice(1) : raw;
  if (!/^[\d\s.\-()]+$/.test(body))
    return fail('invalid_characters', 'phone number may contain only digits, spaces, dots, dashes and parentheses');
  const digits = body.replace(/\D/g, '');
  if (digits === '') return fail('empty', 'phone number has no digits');

  // nsn = national significant number (without the trunk 0).
  let nsn: string;
  if (plus) {
    if (!digits.startsWith('84')) return fail('not_vietnamese', 'only Vietnamese numbers (+84) are supported');
    nsn = digits.slice(2);
  } else if (digits.startsWith('0084')) {
    nsn = digits.slice(4);
  } else if (digits.startsWith('00')) {
    return fail('not_vietnamese', 'only Vietnamese numbers (0084) are supported');
  } else if (digits.startsWith('0')) {
    nsn = digits.slice(1);
  } else if (digits.startsWith('84') && (digits.length === 11 || digits.length === 12)) {
    nsn = digits.slice(2);
  } else {
    nsn = digits; // leading 0 lost
  }
  if ((plus || digits.startsWith('0084') || digits.startsWith('84')) && nsn.startsWith('0')) nsn = nsn.slice(1);

  const first = nsn[0];
  if (first === '1') {
    // Pre-2018 mobile: 01xx + 7 digits.
    const legacy = LEGACY_MOBILE_PREFIXES[`0${nsn.slice(0, 3)}`];
    if (nsn.length < 10) return fail('too_short', 'phone number is too short');
    if (nsn.length > 10) return fail('too_long', 'phone number is too long');
    if (!legacy) return fail('unknown_prefix', `no mobile network uses prefix 0${nsn.slice(0, 3)}`);
    if (!convertLegacy) return fail('unknown_prefix', `0${nsn.slice(0, 3)} is a pre-2018 prefix, now ${legacy}`);
    return mobile(legacy.slice(1) + nsn.slice(3), `0${nsn}`);
  }
  if (first === '2') {
    if (nsn.length < 10) return fail('too_short', 'fixed-line number is too short (0 + 10 digits)');
    if (nsn.length > 10) return fail('too_long', 'fixed-line number is too long (0 + 10 digits)');
    const area = AREA_CODES.has(nsn.slice(0, 2)) ? nsn.slice(0, 2) : nsn.slice(0, 3);
    if (!AREA_CODES.has(area)) return fail('unknown_prefix', `0${nsn.slice(0, 3)} is not an area code`);
    return { ok: true, e164: `+84${nsn}`, national: `0${nsn}`, kind: 'fixed', network: 'tel', operator: 'fixed' };
  }
  if (first === '3' || first === '5' || first === '7' || first === '8' || first === '9') {
    if (nsn.length < 9) return fail('too_short', 'mobile number is too short (0 + 9 digits)');
    if (nsn.length > 9) return fail('too_long', 'mobile number is too long (0 + 9 digits)');
    return mobile(nsn);
  }
  if (nsn.length === 0) return fail('too_short', 'phone number is too short');
  return fail('unknown_prefix', `no Vietnamese number starts with 0${nsn.slice(0, 2)}`);
}

function mobile(nsn: string, convertedFrom?: string): PhoneParseResult {
  const national = `0${nsn}`;
  let operator = MOBILE_PREFIXES[national.slice(0, 3)];
  if (!operator) {
    const p = parsePhoneNumberFromString(national, 'VN');
    if (!p || p.getType() !== 'MOBILE') return fail('unknown_prefix', `no mobile network uses prefix ${national.slice(0, 3)}`);
    operator = 'other-mobile';
  }
  const res: PhoneParseResult = { ok: true, e164: `+84${nsn}`, national, kind: 'mobile', network: OPERATOR_NETWORK[operator], operator };
  if (convertedFrom) res.convertedFrom = convertedFrom;
  return res;
}

export class InvalidPhoneError extends Error {
  override readonly name = 'InvalidPhoneError';
  constructor(
    readonly input: string,
    readonly reason: PhoneInvalidReason,
    message: string,
  ) {
    super(message);
  }
}

/** parsePhone or throw InvalidPhoneError. */
export function normalisePhone(input: string | number, opts?: ParsePhoneOptions): VietnamesePhone {
  const r = parsePhone(input, opts);
  if (!r.ok) throw new InvalidPhoneError(String(input), r.reason, r.message);
  const { ok: _ok, ...phone } = r;
  return phone;
}

/** The network of a number, undefined when it does not parse. */
export function networkOf(input: string | number): Network | undefined {
  const r = parsePhone(input);
  return r.ok ? r.network : undefined;
}

/**
 * `0982596021` → `098****021`: first 3 and last 3 digits kept. A number that parses is masked in
 * its national form (so one subscriber always masks the same way); anything else is masked on its
 * digits as given. Up to 6 digits only the last 2 stay visible.
 */
export function maskNumber(input: string | number | null | undefined): string {
  if (input === null || input === undefined) return '';
  const r = parsePhone(input);
  const d = r.ok ? r.national : String(input).replace(/\D/g, '');
  if (d.length >= 7) return d.slice(0, 3) + '*'.repeat(d.length - 6) + d.slice(-3);
  if (d.length >= 3) return '*'.repeat(d.length - 2) + d.slice(-2);
  return '*'.repeat(d.length);
}
