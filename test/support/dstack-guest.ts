import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in for the dstack guest agent (the HTTP API it serves on /var/run/dstack.sock, as @phala/dstack-sdk calls
 * it: POST /Info, /GetKey, /GetQuote, /Version with JSON bodies), over a unix socket in a temp dir. Tests point the
 * gateway at it with OAUTH3_DSTACK_ENDPOINT=<socket>.
 *
 * - Keys: HMAC-SHA256(rootSecret, appId ‖ 0 ‖ path ‖ 0 ‖ purpose): the same identity and path give the same key across
 *   restarts (give the same `rootSecret`, default a fixed one); another app id gives another key.
 * - Quotes: a synthetic TDX v4 quote in the real layout (48-byte header, the 584-byte TD report: RTMR0–3 at quote
 *   offsets 376, 424, 472, 520, the 64-byte report data at 568; then auth data whose signature, key and QE report
 *   are zeros, so it never verifies) whose RTMRs are the replay of the event log it returns, the log ending with
 *   dstack's runtime events in RTMR3 (`app-id`, `compose-hash` whose payload is the compose hash Info reports,
 *   `instance-id`, `boot-mr-done`). `Quote.parse` of @phala/dcap-qvl reads it; `standInReport` reads what a verified
 *   quote would vouch for, as the binding checks take it.
 */
export interface DstackGuest {
  /** Where it answers (OAUTH3_DSTACK_ENDPOINT): the socket path, or `http://127.0.0.1:PORT` with `http`. */
  socket: string;
  appId: string;
  instanceId: string;
  composeHash: string;
  rootSecret: string;
  /** The RPC paths called, in order (`/GetKey`, …). */
  calls: string[];
  /** The event log every quote comes with (as GetQuote returns it, parsed). */
  eventLog: StandInEvent[];
  close(): Promise<void>;
}

/** One event of the stand-in's log (the shape of the SDK's EventLog). */
export interface StandInEvent {
  imr: number;
  event_type: number;
  digest: string;
  event: string;
  event_payload: string;
}

export interface DstackGuestOptions {
  /** The app identity keys are derived under (hex, 20 bytes as dstack's). Default: a fixed one. */
  appId?: string;
  instanceId?: string;
  /** Default: SHA-256 of a fixed compose text. */
  composeHash?: string;
  /** The stand-in KMS's root: the same one (and app id) derives the same keys. Default: a fixed one. */
  rootSecret?: string;
  /** Answer over HTTP on loopback (as dstack's simulator does) instead of a unix socket. */
  http?: boolean;
}

const RUNTIME_EVENT = 0x08000001;
const sha384 = (b: Buffer) => createHash('sha384').update(b).digest();

/** The digest of a dstack runtime event, computed here independently of src/ (SHA-384(type LE ‖ ":" ‖ name ‖ ":" ‖ payload)). */
function runtimeEvent(name: string, payload: Buffer): StandInEvent {
  const type = Buffer.alloc(4);
  type.writeUInt32LE(RUNTIME_EVENT);
  const digest = sha384(Buffer.concat([type, Buffer.from(`:${name}:`), payload])).toString('hex');
  return { imr: 3, event_type: RUNTIME_EVENT, digest, event: name, event_payload: payload.toString('hex') };
}

/** Firmware-like events of RTMR0–2 (digests only, as the firmware logs them) and dstack's runtime events of RTMR3. */
function eventLogOf(appId: string, instanceId: string, composeHash: string): StandInEvent[] {
  const firmware = (imr: number, what: string): StandInEvent => ({
    imr,
    event_type: 0x80000001,
    digest: sha384(Buffer.from(`stand-in ${what}`)).toString('hex'),
    event: '',
    event_payload: '',
  });
  return [
    firmware(0, 'td hob'),
    firmware(0, 'cfv'),
    firmware(1, 'kernel'),
    firmware(2, 'kernel cmdline'),
    firmware(2, 'initrd'),
    runtimeEvent('system-preparing', Buffer.alloc(0)),
    runtimeEvent('app-id', Buffer.from(appId, 'hex')),
    runtimeEvent('compose-hash', Buffer.from(composeHash, 'hex')),
    runtimeEvent('instance-id', Buffer.from(instanceId, 'hex')),
    runtimeEvent('boot-mr-done', Buffer.alloc(0)),
  ];
}

/** RTMR[i] = SHA-384(RTMR[i] ‖ digest) over the events of register i, from 48 zero bytes. */
export function replayStandInLog(events: readonly StandInEvent[]): Buffer[] {
  const regs = [0, 1, 2, 3].map(() => Buffer.alloc(48));
  for (const e of events) regs[e.imr] = sha384(Buffer.concat([regs[e.imr]!, Buffer.from(e.digest, 'hex')]));
  return regs;
}

const QUOTE_HEADER = 48;
const REPORT_LEN = 584;
/** Offsets in the TD report (TDREPORT 1.0 body of a v4 quote). */
const RTMR0_AT = 16 + 48 + 48 + 8 + 8 + 8 + 48 * 4; // 328
const REPORT_DATA_AT = RTMR0_AT + 48 * 4; // 520

/** A synthetic TDX v4 quote over `reportData` whose RTMRs are `rtmrs`; its signatures are zeros (it never verifies). */
export function synthesizeQuote(reportData: Buffer, rtmrs: readonly Buffer[], mrTd = sha384(Buffer.from('stand-in td'))): Buffer {
  const header = Buffer.alloc(QUOTE_HEADER);
  header.writeUInt16LE(4, 0); // version
  header.writeUInt16LE(2, 2); // ECDSA-256 with P-256
  header.writeUInt32LE(0x81, 4); // TDX
  Buffer.from('939a7233f79c4ca9940a0db3957f0607', 'hex').copy(header, 12); // Intel's QE vendor id
  const report = Buffer.alloc(REPORT_LEN);
  mrTd.copy(report, 16 + 48 + 48 + 8 + 8 + 8);
  rtmrs.forEach((r, i) => r.copy(report, RTMR0_AT + 48 * i));
  reportData.copy(report, REPORT_DATA_AT);
  const certChain = Buffer.from('-----BEGIN CERTIFICATE-----\nstand-in: no certificate\n-----END CERTIFICATE-----\n');
  const inner = Buffer.concat([u16(5), u32(certChain.length), certChain]); // PCK certificate chain
  const qeReportData = Buffer.concat([Buffer.alloc(384), Buffer.alloc(64), u16(0), inner]); // QE report, its signature, no auth data
  const auth = Buffer.concat([Buffer.alloc(64), Buffer.alloc(64), u16(6), u32(qeReportData.length), qeReportData]);
  return Buffer.concat([header, report, u32(auth.length), auth]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/**
 * What a stand-in quote vouches for, in the shape `verifyQuote` answers (TeeReport of src/attestation), for testing
 * the binding checks: report data and RTMR0–3 read at their offsets. Its tcbStatus says it is synthetic.
 */
export function standInReport(quoteHex: string): {
  tcbStatus: string;
  advisoryIds: string[];
  mrTd: string;
  rtmr: [string, string, string, string];
  reportData: string;
} {
  const q = Buffer.from(quoteHex, 'hex');
  const r = q.subarray(QUOTE_HEADER, QUOTE_HEADER + REPORT_LEN);
  const rtmr = [0, 1, 2, 3].map((i) => r.subarray(RTMR0_AT + 48 * i, RTMR0_AT + 48 * (i + 1)).toString('hex'));
  return {
    tcbStatus: 'stand-in (unsigned)',
    advisoryIds: [],
    mrTd: r.subarray(16 + 48 + 48 + 24, 16 + 48 + 48 + 24 + 48).toString('hex'),
    rtmr: rtmr as [string, string, string, string],
    reportData: r.subarray(REPORT_DATA_AT, REPORT_DATA_AT + 64).toString('hex'),
  };
}

/** The key the stand-in derives for an app id, path and purpose (what a test compares with). */
export function standInKey(rootSecret: string, appId: string, path: string, purpose: string): Buffer {
  return createHmac('sha256', rootSecret).update(`${appId}\0${path}\0${purpose}`).digest();
}

export const STAND_IN_APP_ID = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3';
const STAND_IN_ROOT = 'oauth3 stand-in dstack KMS root';

/** Starts a stand-in guest agent on a unix socket in a new temp dir (or on loopback HTTP: `http`). */
export async function startDstackGuest(o: DstackGuestOptions = {}): Promise<DstackGuest> {
  const dir = mkdtempSync(join(tmpdir(), 'dstack-'));
  const socket = join(dir, 'dstack.sock');
  const appId = o.appId ?? STAND_IN_APP_ID;
  const instanceId = o.instanceId ?? randomBytes(20).toString('hex');
  const composeHash = o.composeHash ?? createHash('sha256').update('services: {oauth3: {image: oauth3}}').digest('hex');
  const rootSecret = o.rootSecret ?? STAND_IN_ROOT;
  const eventLog = eventLogOf(appId, instanceId, composeHash);
  const rtmrs = replayStandInLog(eventLog);
  const calls: string[] = [];
  const tcbInfo = {
    mrtd: sha384(Buffer.from('stand-in td')).toString('hex'),
    rtmr0: rtmrs[0]!.toString('hex'),
    rtmr1: rtmrs[1]!.toString('hex'),
    rtmr2: rtmrs[2]!.toString('hex'),
    rtmr3: rtmrs[3]!.toString('hex'),
    app_compose: '{"services":{"oauth3":{"image":"oauth3"}}}',
    compose_hash: composeHash,
    event_log: eventLog,
  };

  const answer = (path: string, body: Record<string, unknown>): [number, unknown] => {
    switch (path) {
      case '/Info':
        return [
          200,
          {
            app_id: appId,
            instance_id: instanceId,
            app_cert: '',
            tcb_info: JSON.stringify(tcbInfo),
            app_name: 'oauth3',
            device_id: '00'.repeat(32),
            key_provider_info: '{"name":"stand-in"}',
            compose_hash: composeHash,
          },
        ];
      case '/Version':
        return [200, { version: '0.5.8-stand-in', rev: 'stand-in' }];
      case '/GetKey': {
        const key = standInKey(rootSecret, appId, String(body.path ?? ''), String(body.purpose ?? ''));
        return [200, { key: key.toString('hex'), signature_chain: [] }];
      }
      case '/GetQuote': {
        const data = String(body.report_data ?? '');
        if (!/^([0-9a-f]{2}){0,64}$/i.test(data)) return [200, { error: 'report_data must be hex, at most 64 bytes' }];
        const reportData = Buffer.alloc(64);
        Buffer.from(data, 'hex').copy(reportData);
        return [200, { quote: synthesizeQuote(reportData, rtmrs).toString('hex'), event_log: JSON.stringify(eventLog) }];
      }
      default:
        return [404, { error: `no such method ${path}` }];
    }
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      calls.push(req.url ?? '');
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        /* an empty body */
      }
      const [status, json] = answer(req.url ?? '', body);
      const text = JSON.stringify(json); // ASCII only: the SDK compares Content-Length with string length
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (o.http) server.listen(0, '127.0.0.1', resolve);
    else server.listen(socket, resolve);
  });
  const address = server.address();
  return {
    socket: o.http && address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : socket,
    appId,
    instanceId,
    composeHash,
    rootSecret,
    calls,
    eventLog,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
