import { describe, expect, it } from 'vitest';
import {
  AREA_CODES,
  InvalidPhoneError,
  LEGACY_MOBILE_PREFIXES,
  MOBILE_PREFIXES,
  maskNumber,
  networkOf,
  normalisePhone,
  parsePhone,
  type Network,
} from '../../domain/phone.ts';

describe('normalisation to national and E.164', () => {
  it.each([
    ['0982596021', '0982596021', '+84982596021'],
    ['84982596021', '0982596021', '+84982596021'],
    ['+84982596021', '0982596021', '+84982596021'],
    ['+84 982 596 021', '0982596021', '+84982596021'],
    ['0084982596021', '0982596021', '+84982596021'],
    ['00 84 982 596 021', '0982596021', '+84982596021'],
    ['098.259.6021', '0982596021', '+84982596021'],
    ['098-259-6021', '0982596021', '+84982596021'],
    ['(098) 259 6021', '0982596021', '+84982596021'],
    ['  0982596021  ', '0982596021', '+84982596021'],
    ['0982\t596021', '0982596021', '+84982596021'],
    ['982596021', '0982596021', '+84982596021'], // leading zero lost
    ['+840982596021', '0982596021', '+84982596021'], // stray trunk 0
    ['840982596021', '0982596021', '+84982596021'],
    ['0331111111', '0331111111', '+84331111111'],
    ['0366255123', '0366255123', '+84366255123'],
    ['02438123456', '02438123456', '+842438123456'],
    ['024 3812 3456', '02438123456', '+842438123456'],
    ['+84 24 3812 3456', '02438123456', '+842438123456'],
    ['842838123456', '02838123456', '+842838123456'],
    ['2838123456', '02838123456', '+842838123456'], // fixed line, zero lost
    ['02033123456', '02033123456', '+842033123456'],
    ['0299 3123456', '02993123456', '+842993123456'],
  ])('%j → %s', (input, national, e164) => {
    const r = parsePhone(input);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.national).toBe(national);
      expect(r.e164).toBe(e164);
    }
  });

  it('accepts a number typed as a JSON number (leading zero lost)', () => {
    expect(normalisePhone(982596021).national).toBe('0982596021');
    expect(normalisePhone(84982596021).national).toBe('0982596021');
  });
});

describe('network by prefix', () => {
  const cases: Array<[string, Network, string]> = [
    ...['086', '096', '097', '098', '032', '033', '034', '035', '036', '037', '038', '039'].map((p): [string, Network, string] => [
      p,
      'viettel',
      'viettel',
    ]),
    ...['089', '090', '093', '070', '076', '077', '078', '079'].map((p): [string, Network, string] => [p, 'mobi', 'mobifone']),
    ...['088', '091', '094', '081', '082', '083', '084', '085'].map((p): [string, Network, string] => [p, 'vina', 'vinaphone']),
    ['092', 'offnet', 'vietnamobile'],
    ['056', 'offnet', 'vietnamobile'],
    ['058', 'offnet', 'vietnamobile'],
    ['099', 'offnet', 'gmobile'],
    ['059', 'offnet', 'gmobile'],
    ['087', 'offnet', 'itelecom'],
    ['055', 'offnet', 'reddi'],
  ];
  it.each(cases)('%s → %s (%s)', (prefix, network, operator) => {
    const r = parsePhone(`${prefix}1234567`);
    expect(r).toMatchObject({ ok: true, kind: 'mobile', network, operator });
    expect(networkOf(`+84${prefix.slice(1)}1234567`)).toBe(network);
  });

  it('table covers exactly the three big networks as documented', () => {
    const by = (op: string) =>
      Object.keys(MOBILE_PREFIXES)
        .filter((p) => MOBILE_PREFIXES[p] === op)
        .sort();
    expect(by('viettel')).toEqual(['032', '033', '034', '035', '036', '037', '038', '039', '086', '096', '097', '098']);
    expect(by('mobifone')).toEqual(['070', '076', '077', '078', '079', '089', '090', '093']);
    expect(by('vinaphone')).toEqual(['081', '082', '083', '084', '085', '088', '091', '094']);
  });

  it('an unlisted prefix that libphonenumber knows as mobile is offnet/other-mobile', () => {
    expect(parsePhone('0511234567')).toMatchObject({ ok: true, network: 'offnet', operator: 'other-mobile' });
  });

  it.each(['0301234567', '0311234567'])('03x outside Viettel blocks %s', (n) => {
    // libphonenumber accepts all of 03x as mobile; we do not list 030/031, so they are other-mobile.
    expect(parsePhone(n)).toMatchObject({ ok: true, network: 'offnet' });
  });

  it.each([...AREA_CODES])('area code 0%s → tel', (area) => {
    const sub = area.length === 2 ? '38123456' : '3812345';
    const r = parsePhone(`0${area}${sub}`);
    expect(r).toMatchObject({ ok: true, kind: 'fixed', network: 'tel', operator: 'fixed' });
  });

  it('has 63 area codes', () => expect(AREA_CODES.size).toBe(63));
});

describe('legacy 11-digit mobiles (pre-2018)', () => {
  it.each(Object.entries(LEGACY_MOBILE_PREFIXES))('%s → %s', (from, to) => {
    const r = parsePhone(`${from}1234567`);
    expect(r).toMatchObject({ ok: true, national: `${to}1234567`, convertedFrom: `${from}1234567` });
  });

  it.each([
    ['01689123456', '0389123456', 'viettel'],
    ['+84 1689 123 456', '0389123456', 'viettel'],
    ['841289123456', '0789123456', 'mobi'],
    ['01239123456', '0839123456', 'vina'],
    ['01869123456', '0569123456', 'offnet'],
  ])('%s → %s', (input, national, network) => {
    expect(parsePhone(input)).toMatchObject({ ok: true, national, network });
  });

  it('can be refused', () => {
    expect(parsePhone('01689123456', { convertLegacy: false })).toMatchObject({ ok: false, reason: 'unknown_prefix' });
  });
});

describe('invalid numbers', () => {
  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    [null, 'empty'],
    [undefined, 'empty'],
    ['---', 'empty'],
    ['098259602a', 'invalid_characters'],
    ['098259602１', 'invalid_characters'], // full-width digit
    ['098+2596021', 'invalid_characters'],
    ['abc', 'invalid_characters'],
    ['+1 415 555 0100', 'not_vietnamese'],
    ['+44 20 7946 0958', 'not_vietnamese'],
    ['0014155550100', 'not_vietnamese'],
    ['098259602', 'too_short'],
    ['09825960211', 'too_long'],
    ['+8498259602', 'too_short'],
    ['+849825960211', 'too_long'],
    ['0', 'too_short'],
    ['+84', 'too_short'],
    ['0243812345', 'too_short'],
    ['024381234567', 'too_long'],
    ['0123456789', 'too_short'], // 01x legacy needs 11 digits
    ['01001234567', 'unknown_prefix'],
    ['0201234567X', 'invalid_characters'],
    ['02012345678', 'unknown_prefix'], // 020 is not an area code
    ['02171234567', 'unknown_prefix'], // 0217 unused
    ['0401234567', 'unknown_prefix'],
    ['0601234567', 'unknown_prefix'],
    ['0691234567', 'unknown_prefix'], // 069: not in our table, not mobile in libphonenumber
    ['0501234567', 'unknown_prefix'],
    ['1900123456', 'unknown_prefix'], // service numbers are not dialed by campaigns
    ['12345', 'too_short'],
    ['98259602', 'too_short'],
  ] as const)('%j → %s', (input, reason) => {
    const r = parsePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.message.length).toBeGreaterThan(0);
    }
  });

  it('normalisePhone throws a typed error with the reason', () => {
    try {
      normalisePhone('0982');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidPhoneError);
      expect((e as InvalidPhoneError).reason).toBe('too_short');
      expect((e as InvalidPhoneError).input).toBe('0982');
    }
  });

  it('networkOf is undefined for garbage', () => expect(networkOf('hello')).toBeUndefined());
});

describe('maskNumber', () => {
  it.each([
    ['0982596021', '098****021'],
    ['+84982596021', '098****021'],
    ['84 982 596 021', '098****021'],
    ['02438123456', '024*****456'],
    ['01689123456', '038****456'], // converted first
    ['12345', '***45'],
    ['123456', '****56'],
    ['1234567', '123*567'],
    ['+1 415 555 0100', '141*****100'],
    ['12', '**'],
    ['', ''],
    [null, ''],
  ] as const)('%j → %s', (input, masked) => expect(maskNumber(input)).toBe(masked));
});
