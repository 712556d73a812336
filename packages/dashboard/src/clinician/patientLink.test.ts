import { describe, expect, it } from 'vitest';
import { patientLinkFor } from './SessionLive';

const link = (networkHosts: string[]) => ({ token: 'abc', path: '/?token=abc#/patient/s1', networkHosts });

describe('patientLinkFor', () => {
  it('keeps the address the page was reached at when it is not loopback', () => {
    expect(patientLinkFor(link([]), { href: 'http://192.168.1.20:4173/#/session/s1', hostname: '192.168.1.20' })).toEqual({
      href: 'http://192.168.1.20:4173/?token=abc#/patient/s1',
      reachable: true,
    });
  });
  it('on loopback, uses the bridge’s network address and the same port', () => {
    expect(patientLinkFor(link(['10.0.0.5']), { href: 'http://127.0.0.1:4173/#/session/s1', hostname: '127.0.0.1' })).toEqual({
      href: 'http://10.0.0.5:4173/?token=abc#/patient/s1',
      reachable: true,
    });
  });
  it('says it cannot be reached when the bridge listens on loopback only', () => {
    expect(patientLinkFor(link([]), { href: 'http://localhost:4173/#/', hostname: 'localhost' }).reachable).toBe(false);
  });
});
