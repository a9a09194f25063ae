// The one bundled browser script (/static/app.js): WebAuthn ceremonies for sign-up, sign-in (button and
// autofill) and adding a passkey; copy buttons for secrets shown once; local, relative times. Pages declare what they are with data-page; no inline script anywhere.
import {
  browserSupportsWebAuthn,
  browserSupportsWebAuthnAutofill,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
} from '@simplewebauthn/browser';

const csrf = () => document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? '';
/** The public URL's path (`/auth` behind a proxy under a path, '' at the root): every request of this script starts with it. */
const base = document.querySelector<HTMLMetaElement>('meta[name="public-path"]')?.content ?? '';

function say(text: string): void {
  const el = document.getElementById('message');
  if (el) el.textContent = text;
}

/** POSTs JSON to a gateway path named as at the root (`/api/v1/…`). */
async function post(path: string, body: unknown): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() },
    body: JSON.stringify(body ?? {}),
  });
  const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.message ?? data.error_description ?? `The gateway answered ${res.status}.`);
  return data;
}

/** A message people understand for a failed ceremony (cancelled, unsupported, timed out…). */
function explain(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (e.name === 'NotAllowedError') return 'The passkey request was cancelled or timed out. Try again when ready.';
  if (e.code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'This device already holds a passkey for your account.';
  if (e.name === 'InvalidStateError') return 'This device already holds a passkey for this account.';
  if (e.name === 'SecurityError') return 'This page is not allowed to use passkeys here (check the address).';
  if (e.name === 'AbortError') return '';
  return e.message || 'Something went wrong with the passkey. Try again.';
}

function busy(form: HTMLFormElement, on: boolean): void {
  form.querySelectorAll('button').forEach((b) => {
    b.disabled = on;
    b.setAttribute('aria-busy', String(on));
  });
}

function guard(section: HTMLElement): boolean {
  if (browserSupportsWebAuthn()) return true;
  say('This browser does not support passkeys. Use a recent Chrome, Safari, Firefox or Edge.');
  section.querySelectorAll('button').forEach((b) => {
    b.disabled = true;
  });
  return false;
}

async function signIn(returnTo: string, autofill: boolean): Promise<void> {
  const optionsJSON = await post('/api/v1/signin/options', {});
  const response = await startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
  const done = await post('/api/v1/signin', { response, returnTo });
  location.assign(done.redirect);
}

function loginPage(section: HTMLElement): void {
  if (!guard(section)) return;
  const returnTo = section.dataset.returnTo ?? '/account';
  const form = document.getElementById('passkey-sign-in') as HTMLFormElement;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    say('');
    busy(form, true);
    signIn(returnTo, false).catch((err) => {
      say(explain(err));
      busy(form, false);
    });
  });
  // Conditional UI (passkey autofill): armed when the account field is first focused, so the browser offers
  // its passkeys in the field's autofill list; a button sign-in started meanwhile cancels it.
  const field = document.getElementById('username') as HTMLInputElement | null;
  let armed = false;
  field?.addEventListener('focus', () => {
    if (armed) return;
    armed = true;
    void browserSupportsWebAuthnAutofill().then((ok) => {
      if (ok)
        signIn(returnTo, true).catch((err) => {
          const m = explain(err);
          if (m && !/cancelled/.test(m)) say(m);
          armed = false;
        });
    });
  });
}

function signupPage(section: HTMLElement): void {
  if (!guard(section)) return;
  const returnTo = section.dataset.returnTo ?? '/account';
  const form = document.getElementById('passkey-sign-up') as HTMLFormElement;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    say('');
    busy(form, true);
    (async () => {
      const optionsJSON = await post('/api/v1/signup/options', {});
      const response = await startRegistration({ optionsJSON });
      const done = await post('/api/v1/signup', { response, returnTo });
      location.assign(done.redirect);
    })().catch((err) => {
      say(explain(err));
      busy(form, false);
    });
  });
}

function passkeysPage(section: HTMLElement): void {
  const form = document.getElementById('add-passkey') as HTMLFormElement | null;
  if (!form || !guard(section)) return;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    say('');
    busy(form, true);
    const name = (form.elements.namedItem('name') as HTMLInputElement).value.trim();
    (async () => {
      WebAuthnAbortService.cancelCeremony();
      const optionsJSON = await post('/api/v1/me/passkeys/options', {});
      const response = await startRegistration({ optionsJSON });
      await post('/api/v1/me/passkeys', name ? { response, name } : { response });
      location.assign(`${base}/account/passkeys?ok=added`);
    })().catch((err) => {
      say(explain(err));
      busy(form, false);
    });
  });
}

/** Copy buttons beside secrets shown once: the clipboard API where there is one, else select and copy. */
function copyButtons(): void {
  document.querySelectorAll<HTMLButtonElement>('button[data-copy]').forEach((button) => {
    const target = document.getElementById(button.dataset.copy ?? '');
    if (!target) return;
    button.hidden = false;
    button.addEventListener('click', () => {
      const text = target.textContent ?? '';
      const selectIt = () => {
        const range = document.createRange();
        range.selectNodeContents(target);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
        return document.execCommand('copy');
      };
      const done = (ok: boolean) => {
        button.textContent = ok ? 'Copied' : 'Press Ctrl+C to copy';
      };
      if (navigator.clipboard)
        navigator.clipboard.writeText(text).then(
          () => done(true),
          () => done(selectIt()),
        );
      else done(selectIt());
    });
  });
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const exact = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** Server-rendered UTC times become relative ("2 hours ago") in the person's language, the exact local time on hover. */
function localTimes(): void {
  document.querySelectorAll<HTMLTimeElement>('time[datetime]').forEach((el) => {
    const at = Date.parse(el.dateTime);
    if (Number.isNaN(at)) return;
    const seconds = (at - Date.now()) / 1000;
    const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
    el.title = exact.format(at);
    el.textContent =
      Math.abs(seconds) < 45 ? (seconds < 0 ? 'just now' : 'in a moment') : relative.format(Math.round(seconds / size), unit);
  });
}

/** Approvals: "Approve with a passkey" asks for an assertion over that one approval's bound challenge. */
function approvalsPage(section: HTMLElement): void {
  if (!guard(section)) return;
  section.querySelectorAll<HTMLFormElement>('form[data-approve]').forEach((form) => {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      say('');
      busy(form, true);
      const id = encodeURIComponent(form.dataset.approve ?? '');
      (async () => {
        const optionsJSON = await post(`/api/v1/me/approvals/${id}/options`, {});
        const response = await startAuthentication({ optionsJSON });
        const done = await post(`/api/v1/me/approvals/${id}/approve`, { response });
        location.assign(`${base}${done.redirect}`);
      })().catch((err) => {
        say(explain(err));
        busy(form, false);
      });
    });
  });
}

copyButtons();
localTimes();

const section = document.querySelector<HTMLElement>('[data-page]');
const pages: Record<string, (s: HTMLElement) => void> = {
  login: loginPage,
  signup: signupPage,
  passkeys: passkeysPage,
  approvals: approvalsPage,
};
if (section?.dataset.page && pages[section.dataset.page]) pages[section.dataset.page](section);
if (section) document.documentElement.dataset.ready = section.dataset.page;
