import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import qvl from '@phala/dcap-qvl';
import { DstackClient } from '@phala/dstack-sdk';
import { standInKey, standInReport, startDstackGuest, type DstackGuest } from '../support/dstack-guest.js';
import { replayRtmrs, teeOf } from '../../src/attestation/index.js';
import { startTestApp } from '../support/test-app.js';

describe('the stand-in dstack guest agent, as @phala/dstack-sdk talks to it', () => {
  let guest: DstackGuest;
  let client: DstackClient;
  beforeAll(async () => {
    guest = await startDstackGuest();
    client = new DstackClient(guest.socket);
  });
  afterAll(async () => {
    await guest?.close();
  });

  it('Info names the app, the instance and the compose hash', async () => {
    expect(await client.isReachable()).toBe(true);
    const info = await client.info();
    expect(info).toMatchObject({ app_id: guest.appId, instance_id: guest.instanceId, compose_hash: guest.composeHash });
    expect(info.tcb_info.event_log).toEqual(guest.eventLog);
  });

  it('GetKey derives per app identity and path: the same across restarts, another for another app or path', async () => {
    const key = (await client.getKey('a/path', 'why')).key;
    expect(Buffer.from(key)).toEqual(standInKey(guest.rootSecret, guest.appId, 'a/path', 'why'));
    const again = await startDstackGuest({ appId: guest.appId });
    const other = await startDstackGuest({ appId: 'cd'.repeat(20) });
    try {
      expect((await new DstackClient(again.socket).getKey('a/path', 'why')).key).toEqual(key);
      expect((await new DstackClient(other.socket).getKey('a/path', 'why')).key).not.toEqual(key);
      expect((await client.getKey('another/path', 'why')).key).not.toEqual(key);
    } finally {
      await again.close();
      await other.close();
    }
  });

  it('GetQuote answers a TDX v4 quote that dcap-qvl parses: the report data asked for, RTMRs that the event log replays to', async () => {
    const reportData = createHash('sha512').update('statement').digest();
    const q = await client.getQuote(reportData);
    const parsed = qvl.Quote.parse(Buffer.from(q.quote, 'hex'));
    expect(parsed.header.version).toBe(4);
    expect(parsed.header.teeType).toBe(0x81);
    expect(parsed.report.type).toBe('td10');
    const td = parsed.report.data as unknown as Record<string, Uint8Array>;
    expect(Buffer.from(td.reportData!)).toEqual(reportData);
    const events = JSON.parse(q.event_log);
    const rtmr = [td.rtMr0, td.rtMr1, td.rtMr2, td.rtMr3].map((r) => Buffer.from(r!).toString('hex'));
    expect(replayRtmrs(events)).toEqual(rtmr); // the verifier's replay (runtime events' digests recomputed)
    expect(q.replayRtmrs()).toEqual(rtmr); // and the SDK's
    expect(standInReport(q.quote)).toMatchObject({ reportData: reportData.toString('hex'), rtmr });
    expect(
      events.filter((e: { event: string }) => e.event === 'compose-hash').map((e: { event_payload: string }) => e.event_payload),
    ).toEqual([guest.composeHash]);
  });
});

describe("OAUTH3_DSTACK_ENDPOINT as an http URL (as dstack's simulator answers)", () => {
  it('the gateway derives its key and answers quotes through it', async () => {
    const guest = await startDstackGuest({ http: true });
    expect(guest.socket).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const app = await startTestApp('sqlite', { masterKey: undefined, dstackEndpoint: guest.socket });
    try {
      expect(teeOf(app.ctx)).toMatchObject({ inTee: true, masterKeySource: 'tee' });
      const doc = await (await fetch(`${app.url}/.well-known/oauth3-attestation?nonce=01`)).json();
      expect(standInReport(doc.quote).reportData).toBe(doc.report_data);
    } finally {
      await app.stop();
      await guest.close();
    }
  });
});
